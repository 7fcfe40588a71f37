#!/usr/bin/env node
// The `mass` command (package.json "bin"); from source: `npm run mass -- <command>`.
import { CommanderError } from "commander";
import { processIo } from "./cli-io.js";
import { buildProgram } from "./program.js";

const program = buildProgram(processIo, (code) => {
  process.exitCode = code;
});
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode;
  else {
    process.stderr.write(`mass: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
