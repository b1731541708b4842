/**
 * The command table: one entry per command, each in its own file. Add a
 * command by writing commands/<name>.ts and listing it here.
 */
import type { Command } from "../command.js";
import { bench } from "./bench.js";
import { bundle } from "./bundle.js";
import { attach, detach } from "./detach.js";
import { inspect } from "./inspect.js";
import { keygen } from "./keygen.js";
import { pack } from "./pack.js";
import { sign } from "./sign.js";
import { verify } from "./verify.js";

export const COMMANDS: readonly Command[] = [keygen, sign, verify, inspect, detach, attach, bundle, pack, bench];
