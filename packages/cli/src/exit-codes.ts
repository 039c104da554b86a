/** What `ratchet` exits with, so scripts can tell a missing run from a broken config. */
export const exitCodes = {
  ok: 0,
  /** The operation ran and the answer is "no": a failed or dead-lettered run for `result`. */
  failed: 1,
  usage: 2,
  runNotFound: 3,
  config: 4,
  unexpected: 5,
  /** `import` refused the document: malformed, truncated, tampered or from a newer version. */
  invalidDocument: 6,
  /** The run moved to another driver; the message names it. */
  runMigrated: 7,
  /** The engine's server did not answer at its address, or answered with an error; the message names the address. */
  engineRequest: 8,
  /** A signal, approval or redrive for a run that has completed or failed: nothing was changed. */
  runEnded: 9,
  /** A payload cannot be read: sealed with a key the config's codec does not hold, or offloaded to a payload store that lacks it; the message names the key id or reference. */
  unreadablePayload: 10,
} as const;
