/**
 * How a driver joins the conformance matrix: it starts what it needs for one test file (the real
 * engine server on 127.0.0.1, fresh data) and says which options its driver takes there.
 */
export interface DriverUnderTest {
  name: 'local' | 'temporal' | 'restate' | 'inngest';
  start(): Promise<EngineEnvironment>;
  /** The engine and version the report names, for example `restate-server 1.5.3`. */
  engineVersion?(): Promise<string>;
}

export interface EngineEnvironment {
  /** Given to `createDriver` in the test process and, as JSON in RATCHET_DRIVER_OPTIONS, in every worker process. */
  driverOptions: Record<string, unknown>;
  /** Extra options for the n-th worker process of the file (a serve port, say). */
  workerOptions?(index: number): Record<string, unknown>;
  /**
   * SIGKILLs the engine's own server (and its store, where that is a process of its own) and starts
   * it again on its data, addresses and keys; resolves once it answers. Workers and clients keep
   * running. The local driver has no server: its engine is the database file, which stays.
   */
  restartEngine(): Promise<void>;
  /**
   * Everything the engine keeps of its runs, as text to search: its files, or what its own query
   * API returns, with stored byte values spelled out. What a scenario greps for a payload in clear.
   */
  storedText(): Promise<string>;
  stop(): Promise<void>;
}
