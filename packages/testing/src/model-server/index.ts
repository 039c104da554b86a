export { startModelServer } from './model-server.ts';
export type { ModelServer, ModelServerEvent, ModelServerOptions } from './model-server.ts';
export type {
  Fault,
  ModelApi,
  RawReply,
  RecordedRequest,
  RequestMatch,
  ScriptedResponse,
  ScriptedToolCall,
  ScriptedUsage,
  ScriptOptions,
  TextReply,
  ToolCallReply,
} from './scripted-response.ts';
