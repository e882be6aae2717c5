/**
 * W8 baseline: an empty script (the cost of `deno run` itself).
 *
 * @module
 */
console.log("ok");
