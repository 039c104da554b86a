import { ToolCallError } from '../errors/errors.ts';
import type { Message, ToolCall } from '../model/completion.ts';
import type { ToolDeclaration } from '../declarations/step.ts';
import type { AgentContext, GenerateRequest, GenerateResult } from './agent-context.ts';

/**
 * The model-drives-tools loop behind `ctx.llm.generate`. It is plain orchestration over `ctx`, so
 * every completion and tool run is journaled and a replay walks the same path without calling anyone.
 */
export async function runToolLoop(ctx: AgentContext, request: GenerateRequest): Promise<GenerateResult> {
  const maxSteps = request.maxSteps ?? 8;
  const maxRepairs = request.maxRepairs ?? 2;
  const messages: Message[] = [...(request.prompt?.messages ?? []), ...(request.messages ?? [])];
  const { prompt: _prompt, ...rest } = request;
  const completions = [];
  let repairs = 0;
  for (let step = 0; step < maxSteps; step++) {
    const completion = await ctx.llm.complete({ ...rest, messages });
    completions.push(completion);
    if (completion.toolCalls.length === 0) return { text: completion.text, completions, messages: [...messages, { role: 'assistant', content: completion.text }] };
    messages.push({ role: 'assistant', content: completion.text, toolCalls: completion.toolCalls });
    for (const call of completion.toolCalls) {
      const checked = checkToolCall(call, request.tools);
      if ('problem' in checked) {
        repairs += 1;
        if (repairs > maxRepairs) throw new ToolCallError(call.name, checked.problem, maxRepairs);
        messages.push({ role: 'tool', toolCallId: call.id, content: `Error: ${checked.problem}. Call the tool again with corrected arguments.`, isError: true });
        continue;
      }
      const output = await ctx.tool(checked.tool, checked.input);
      messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(output) });
    }
  }
  throw new ToolCallError(completions.at(-1)?.toolCalls[0]?.name ?? 'unknown', `the model was still calling tools after ${maxSteps} completions`, repairs);
}

function checkToolCall(call: ToolCall, tools: ToolDeclaration[]): { tool: ToolDeclaration; input: unknown } | { problem: string } {
  const tool = tools.find((candidate) => candidate.name === call.name);
  if (!tool) return { problem: `unknown tool "${call.name}"; available: ${tools.map((t) => t.name).join(', ')}` };
  let args: unknown;
  try {
    args = JSON.parse(call.arguments || '{}');
  } catch (error) {
    return { problem: `arguments are not valid JSON (${(error as Error).message})` };
  }
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) {
    return { problem: `arguments do not match the schema: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  }
  return { tool, input: args };
}
