// Rings of polygons within what the backend takes: at most MAX_POINTS points, never crossing
// themselves. Shared by the brush (a painted stroke's outline) and the polygon tool (an outline
// it starts from: a consensus or a model's pre-label is traced along pixel edges, a staircase of
// thousands of corners on a slanted edge, which a fix or an accepted pre-label could not submit).
// Simplification by the Ramer–Douglas–Peucker algorithm (U. Ramer, "An iterative procedure for
// the polygonal approximation of plane curves", Computer Graphics and Image Processing
// 1(3):244-256, 1972, https://doi.org/10.1016/S0146-664X(72)80017-0).

export const MAX_POINTS = 1000; // quality/polygons/validation.py MAX_POINTS

// ``ring`` as it is when it has at most MAX_POINTS points, else simplified within the smallest
// tolerance (half a pixel, doubling) that brings it there without crossing itself; as it is when
// none does (the backend then names it).
export function fitRing(ring) {
  if (ring.length <= MAX_POINTS) return ring;
  for (let tolerance = 0.5; tolerance <= 16; tolerance *= 2) {
    const simple = simplify(ring, tolerance);
    if (simple.length >= 3 && simple.length <= MAX_POINTS && !selfCrossing(simple)) return simple;
  }
  return ring;
}

export function simplify(ring, tolerance) {
  if (tolerance <= 0 || ring.length < 5) return ring;
  // split the closed ring at its first point and the point farthest from it
  let far = 0; let best = -1;
  ring.forEach(([x, y], i) => { const d = (x - ring[0][0]) ** 2 + (y - ring[0][1]) ** 2; if (d > best) { best = d; far = i; } });
  const half = (a, b) => rdp(ring.slice(a, b + 1), tolerance);
  const first = half(0, far);
  const second = rdp([...ring.slice(far), ring[0]], tolerance);
  return [...first.slice(0, -1), ...second.slice(0, -1)];
}

function rdp(points, tolerance) {
  const keep = new Uint8Array(points.length);
  keep[0] = 1; keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = points[a]; const [bx, by] = points[b];
    const len = Math.hypot(bx - ax, by - ay) || 1;
    let worst = -1; let at = -1;
    for (let i = a + 1; i < b; i += 1) {
      const d = Math.abs((bx - ax) * (ay - points[i][1]) - (ax - points[i][0]) * (by - ay)) / len;
      if (d > worst) { worst = d; at = i; }
    }
    if (worst > tolerance) { keep[at] = 1; stack.push([a, at], [at, b]); }
  }
  return points.filter((_, i) => keep[i]);
}

// Whether two non-adjacent edges of the ring meet (touching counts).
export function selfCrossing(ring) {
  const n = ring.length;
  const orient = (p, q, r) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  const on = (p, q, r) => Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);
  for (let i = 0; i < n; i += 1) {
    const a = ring[i]; const b = ring[(i + 1) % n];
    for (let j = i + 2; j < n; j += 1) {
      if (i === 0 && j === n - 1) continue;
      const c = ring[j]; const d = ring[(j + 1) % n];
      const o1 = orient(a, b, c); const o2 = orient(a, b, d); const o3 = orient(c, d, a); const o4 = orient(c, d, b);
      if (o1 !== o2 && o3 !== o4) return true;
      if ((o1 === 0 && on(a, b, c)) || (o2 === 0 && on(a, b, d)) || (o3 === 0 && on(c, d, a)) || (o4 === 0 && on(c, d, b))) return true;
    }
  }
  return false;
}
