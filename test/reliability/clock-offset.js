/**
 * Node `--require` preload for the clock-skew suite: shifts this process's wall clock (`Date.now()`, `new Date()`)
 * by LANYARD_CLOCK_OFFSET_MS milliseconds. Only JavaScript time moves: OpenSSL's certificate checks during TLS
 * handshakes and timers (monotonic) keep the real clock. There is no libfaketime on these machines.
 */
'use strict';

const offset = Number(process.env.LANYARD_CLOCK_OFFSET_MS ?? '0');
if (!Number.isFinite(offset)) throw new Error(`LANYARD_CLOCK_OFFSET_MS must be a number of milliseconds`);
const RealDate = Date;

class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + offset);
    else super(...args);
  }

  static now() {
    return RealDate.now() + offset;
  }
}

globalThis.Date = SkewedDate;
