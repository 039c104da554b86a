import { ConfigError } from '../errors/errors.ts';

// Tool names go to OpenAI and Anthropic as function names, which both restrict to this alphabet.
const namePattern = /^[a-zA-Z0-9_-]{1,64}$/;

export function assertName(what: string, name: string): void {
  if (!namePattern.test(name)) {
    throw new ConfigError(
      `Invalid ${what} name ${JSON.stringify(name)}: use 1-64 letters, digits, "_" or "-"`,
      { name },
    );
  }
}
