#!/usr/bin/env node
/** `lanyard-helper`: see {@link runHelper}. */
import { processIo } from '@lanyard/common';
import { runHelper } from './program';

void runHelper(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
