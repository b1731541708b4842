#!/usr/bin/env node
/** The `sandprobe` command (package.json "bin"). */
import { nodeIo } from "./io.js";
import { run } from "./run.js";

process.exitCode = await run(process.argv.slice(2), nodeIo());
