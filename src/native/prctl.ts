/** prctl(2), and the options this project uses (include/uapi/linux/prctl.h). */
import { libc } from './libc.js';

export const PR_SET_DUMPABLE = 4;
export const PR_SET_NO_NEW_PRIVS = 38;
export const PR_GET_NO_NEW_PRIVS = 39;

export const prctl = libc.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)') as (
  option: number, a2: number, a3: number, a4: number, a5: number) => number;
