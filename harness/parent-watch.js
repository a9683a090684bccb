// Preloaded (`node -r`) into the dynamic-provider process started by the test harness: the harness
// holds the other end of stdin, so when it goes away (even killed), stdin ends and so does this process.
"use strict";
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
