/** Every test file: close the client's keep-alive pools at the end, so no socket outlives its file. */
import { closeAllPools } from "../provider/client/client";

afterAll(() => closeAllPools());
