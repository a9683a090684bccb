export { Engine, engineParallel, UNKNOWN } from "./engine";
export type {
  EngineOptions,
  EngineState,
  Program,
  ResourceOp,
  ResourceResult,
  StateResource,
  Summary,
} from "./engine";
