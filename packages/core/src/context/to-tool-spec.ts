import { z } from 'zod';
import type { ToolSpec } from '../model/completion.ts';
import type { ToolDeclaration } from '../declarations/step.ts';

/** The JSON Schema form of a tool that providers send to a model. */
export function toToolSpec(tool: ToolDeclaration): ToolSpec {
  const { $schema: _dialect, ...inputSchema } = z.toJSONSchema(tool.input, { io: 'input' }) as Record<string, unknown>;
  return { name: tool.name, description: tool.description, inputSchema };
}
