export { Engine, engineParallel, UNKNOWN } from "./engine";
export { StepRecorder, previewDigest, previewJsonText, stackExport } from "./preview-json";
export type {
  EngineOptions,
  EngineState,
  PluginServer,
  Program,
  ResourceOp,
  ResourceResult,
  StateResource,
  StepEvent,
  Summary,
} from "./engine";
