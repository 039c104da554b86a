/** Runs `body` with the given environment variables set (`undefined` unsets one), then restores them. */
export async function withEnv(variables: Record<string, string | undefined>, body: () => unknown): Promise<void> {
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(variables);
  try {
    await body();
  } finally {
    apply(saved);
  }
}
