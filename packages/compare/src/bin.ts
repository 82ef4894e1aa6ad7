#!/usr/bin/env node
// The `rtnlkit` command: see the package README (`rtnlkit compare --help`).
import { cli } from './cli';

void cli();
