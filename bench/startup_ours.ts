/**
 * W8: `import` of mod.ts plus one socket() and close().
 *
 * @module
 */
import * as socket from "../mod.ts";

const s = new socket.socket(socket.AF_INET, socket.SOCK_STREAM);
s.close();
console.log("ok");
