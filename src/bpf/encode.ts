import { BpfError } from './errors.js';
import type { SockFilter } from './types.js';

/** sizeof(struct sock_filter). */
export const SOCK_FILTER_SIZE = 8;

function field(v: unknown, max: number, what: string, i: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new BpfError('invalid-encoding', `${what} = ${String(v)} does not fit its field`, i);
  }
  return v;
}

/** The bytes of struct sock_filter[] as the kernel reads them through struct sock_fprog.filter: code (u16),
 *  jt (u8), jf (u8), k (u32), little-endian as on x86_64 and aarch64. Refuses values that would be truncated. */
export function encode(prog: readonly SockFilter[]): Uint8Array {
  const bytes = new Uint8Array(prog.length * SOCK_FILTER_SIZE);
  const view = new DataView(bytes.buffer);
  prog.forEach((f, i) => {
    const o = i * SOCK_FILTER_SIZE;
    view.setUint16(o, field(f.code, 0xffff, 'code', i), true);
    view.setUint8(o + 2, field(f.jt, 0xff, 'jt', i));
    view.setUint8(o + 3, field(f.jf, 0xff, 'jf', i));
    view.setUint32(o + 4, field(f.k, 0xffffffff, 'k', i), true);
  });
  return bytes;
}

/** Inverse of encode. Does not validate the program itself; use checkSeccompFilter for that. */
export function decode(bytes: Uint8Array): SockFilter[] {
  if (bytes.length % SOCK_FILTER_SIZE !== 0) {
    throw new BpfError('invalid-encoding', `${bytes.length} bytes is not a whole number of ${SOCK_FILTER_SIZE}-byte instructions`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prog: SockFilter[] = [];
  for (let o = 0; o < bytes.length; o += SOCK_FILTER_SIZE) {
    prog.push({ code: view.getUint16(o, true), jt: view.getUint8(o + 2), jf: view.getUint8(o + 3), k: view.getUint32(o + 4, true) });
  }
  return prog;
}
