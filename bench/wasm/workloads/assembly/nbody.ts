// The n-body simulation of the Jovian planets (the Benchmarks Game algorithm, re-written here):
// 4,000,000 steps of dt = 0.01. Checks the energy before (-0.169075164) and after the run
// against the well-known values of the published benchmark outputs.
import { check, flush, print, printFixed } from "./lib/wasi";

const STEPS: i32 = 4_000_000;
// Energy after STEPS steps, from an independent JavaScript implementation of the same algorithm
// (which also reproduces the published -0.169087605 after 1,000 steps).
const EXPECTED_AFTER: f64 = -0.169049262628;
const PI: f64 = 3.141592653589793;
const SOLAR_MASS: f64 = 4 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;
const N: i32 = 5;

// Each body: x y z vx vy vz mass (7 f64 = 56 bytes).
const BODIES: usize = memory.data(N * 56, 8);

@inline function at(i: i32, field: i32): usize {
  return BODIES + <usize>(i * 56 + field * 8);
}
@inline function get(i: i32, field: i32): f64 { return load<f64>(at(i, field)); }
@inline function set(i: i32, field: i32, v: f64): void { store<f64>(at(i, field), v); }

function body(i: i32, x: f64, y: f64, z: f64, vx: f64, vy: f64, vz: f64, mass: f64): void {
  set(i, 0, x); set(i, 1, y); set(i, 2, z);
  set(i, 3, vx * DAYS_PER_YEAR); set(i, 4, vy * DAYS_PER_YEAR); set(i, 5, vz * DAYS_PER_YEAR);
  set(i, 6, mass * SOLAR_MASS);
}

function init(): void {
  body(0, 0, 0, 0, 0, 0, 0, 1);
  body(1, 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
    1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04);
  body(2, 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
    -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04);
  body(3, 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
    2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05);
  body(4, 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
    2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05);
  // Offset the sun's momentum.
  let px: f64 = 0, py: f64 = 0, pz: f64 = 0;
  for (let i = 0; i < N; i++) {
    const m = get(i, 6);
    px += get(i, 3) * m; py += get(i, 4) * m; pz += get(i, 5) * m;
  }
  set(0, 3, -px / SOLAR_MASS); set(0, 4, -py / SOLAR_MASS); set(0, 5, -pz / SOLAR_MASS);
}

function energy(): f64 {
  let e: f64 = 0;
  for (let i = 0; i < N; i++) {
    const m = get(i, 6);
    const vx = get(i, 3), vy = get(i, 4), vz = get(i, 5);
    e += 0.5 * m * (vx * vx + vy * vy + vz * vz);
    for (let j = i + 1; j < N; j++) {
      const dx = get(i, 0) - get(j, 0), dy = get(i, 1) - get(j, 1), dz = get(i, 2) - get(j, 2);
      e -= (m * get(j, 6)) / Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

function advance(dt: f64): void {
  for (let i = 0; i < N; i++) {
    const xi = get(i, 0), yi = get(i, 1), zi = get(i, 2), mi = get(i, 6);
    let vxi = get(i, 3), vyi = get(i, 4), vzi = get(i, 5);
    for (let j = i + 1; j < N; j++) {
      const dx = xi - get(j, 0), dy = yi - get(j, 1), dz = zi - get(j, 2);
      const d2 = dx * dx + dy * dy + dz * dz;
      const mag = dt / (d2 * Math.sqrt(d2));
      const mj = get(j, 6);
      vxi -= dx * mj * mag; vyi -= dy * mj * mag; vzi -= dz * mj * mag;
      set(j, 3, get(j, 3) + dx * mi * mag);
      set(j, 4, get(j, 4) + dy * mi * mag);
      set(j, 5, get(j, 5) + dz * mi * mag);
    }
    set(i, 3, vxi); set(i, 4, vyi); set(i, 5, vzi);
  }
  for (let i = 0; i < N; i++) {
    set(i, 0, get(i, 0) + dt * get(i, 3));
    set(i, 1, get(i, 1) + dt * get(i, 4));
    set(i, 2, get(i, 2) + dt * get(i, 5));
  }
}

export function _start(): void {
  init();
  const before = energy();
  check(Math.abs(before - -0.169075164) < 5e-10, "initial energy");
  for (let s = 0; s < STEPS; s++) advance(0.01);
  const after = energy();
  check(Math.abs(after - EXPECTED_AFTER) < 1e-11, "energy after the run");
  print("nbody: steps=4000000 before=");
  printFixed(before, 9);
  print(" after=");
  printFixed(after, 9);
  print("\n");
  flush();
}
