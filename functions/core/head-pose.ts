/**
 * Head pose (yaw, pitch, roll in degrees) from the 68 landmark points: a least-squares fit of a
 * generic 3-D face, seen in scaled orthographic projection (a face is shallow next to its distance
 * from the camera), to the points in the photo.
 *
 * Sign convention, as seen in the photo:
 * - yaw > 0: the face turned towards the photo's left (the subject's right); a profile facing the
 *   photo's left edge is near +90°, one facing its right edge near −90°;
 * - pitch > 0: the face turned up (chin raised);
 * - roll > 0: the face tilted clockwise on the screen (its right-hand eye in the photo lower).
 * The model is rotated by yaw, then pitch, then roll: R = R_roll · R_pitch · R_yaw.
 */
import { isProfile } from './pose.ts';
import { type HeadPose, LANDMARK_NAMES, type Landmarks, type Point } from './types.ts';

export type { HeadPose };

type Vec3 = readonly [x: number, y: number, z: number];

/**
 * A generic adult face in millimetres at the 68 points of the iBUG layout (the points' order of
 * face-api's model): x towards the photo's right, y up, z towards the camera; the origin on the
 * midline at the eyes' height, z = 0 at the nose tip. Widths and heights are rounded adult means from
 * Farkas, "Anthropometry of the Head and Face" (2nd ed., Raven Press, 1994): ex–ex 90, en–en 32,
 * al–al 34, ch–ch 50, zy–zy 136, go–go 97; n–sn 53, sn–sto 22, sn–gn 70 (so n–gn 121), nasal tip
 * protrusion sn–prn 18. Depths Farkas does not tabulate (eye corners, brows, lips, the jaw line) are
 * rounded estimates of the same face's profile. Points 0–16 trace the jaw line as seen frontally:
 * a silhouette more than a fixed point, so they count less in the fit.
 */
export const MEAN_FACE_68: readonly Vec3[] = (() => {
  // The photo's left half (x ≤ 0); the right half mirrors it.
  const jaw: Vec3[] = [
    [-68, 0, -75],
    [-67, -17, -73],
    [-65, -34, -70],
    [-61, -51, -65],
    [-54, -67, -57],
    [-45, -82, -47],
    [-34, -95, -36],
    [-19, -107, -27],
  ];
  const brow: Vec3[] = [
    [-58, 12, -40],
    [-49, 19, -30],
    [-38, 22, -24],
    [-27, 22, -20],
    [-14, 19, -18],
  ];
  const mirror = (p: Vec3): Vec3 => [-p[0], p[1], p[2]];
  const points: Vec3[] = [
    ...jaw,
    [0, -113, -22],
    ...jaw.map(mirror).reverse(),
    ...brow,
    ...brow.map(mirror).reverse(),
    // Nose ridge 27–30 (nasion to tip), base 31–35 (alar base to alar base through subnasale).
    [0, 6, -22],
    [0, -8, -16],
    [0, -22, -9],
    [0, -36, 0],
    [-14, -43, -20],
    [-7, -46, -17],
    [0, -47, -18],
    [7, -46, -17],
    [14, -43, -20],
    // Eye on the photo's left: outer corner 36, upper lid 37–38, inner corner 39, lower lid 40–41.
    [-45, 0, -30],
    [-37, 4, -26],
    [-25, 4, -23],
    [-16, 0, -22],
    [-25, -4, -24],
    [-37, -4, -27],
    // Eye on the photo's right: inner corner 42 … outer corner 45 …
    [16, 0, -22],
    [25, 4, -23],
    [37, 4, -26],
    [45, 0, -30],
    [37, -4, -27],
    [25, -4, -24],
    // Outer lips 48–59 (corner, upper lip, corner, lower lip), inner lips 60–67.
    [-25, -66, -24],
    [-16, -61, -15],
    [-6, -59, -11],
    [0, -60, -10],
    [6, -59, -11],
    [16, -61, -15],
    [25, -66, -24],
    [16, -72, -16],
    [7, -75, -13],
    [0, -76, -12],
    [-7, -75, -13],
    [-16, -72, -16],
    [-20, -66, -20],
    [-7, -65, -13],
    [0, -65, -12],
    [7, -65, -13],
    [20, -66, -20],
    [7, -67, -13],
    [0, -67, -12],
    [-7, -67, -13],
  ];
  return points;
})();

/** The jaw line's weight in the fit (the other points weigh 1). */
const JAW_WEIGHT = 0.5;

/** A 3-D model to fit: its points (x, y, z flat) and each one's weight. */
export interface FaceModel {
  points: Float64Array;
  weights: Float64Array;
}

const MODEL_68: FaceModel = {
  points: Float64Array.from(MEAN_FACE_68.flat()),
  weights: Float64Array.from(MEAN_FACE_68, (_, i) => (i <= 16 ? JAW_WEIGHT : 1)),
};

const RAD = Math.PI / 180;

/**
 * The model rotated by the pose, seen from the camera (x right, y down, before scale and shift),
 * written into `out` as x0, y0, x1, y1…
 */
function rotateInto(pose: HeadPose, model: Float64Array, out: Float64Array): Float64Array {
  const [cy, sy] = [Math.cos(pose.yaw * RAD), Math.sin(pose.yaw * RAD)];
  const [cp, sp] = [Math.cos(pose.pitch * RAD), Math.sin(pose.pitch * RAD)];
  const [cr, sr] = [Math.cos(pose.roll * RAD), Math.sin(pose.roll * RAD)];
  for (let i = 0, k = 0; i < out.length; i += 2, k += 3) {
    const x = model[k] as number;
    const y = model[k + 1] as number;
    const z = model[k + 2] as number;
    // Yaw about the vertical axis (the nose goes left for yaw > 0), pitch about the horizontal one
    // (the nose goes up for pitch > 0), then roll in the picture's plane (clockwise on screen).
    const x1 = x * cy - z * sy;
    const z1 = x * sy + z * cy;
    const y2 = y * cp + z1 * sp;
    out[i] = x1 * cr + y2 * sr;
    out[i + 1] = x1 * sr - y2 * cr;
  }
  return out;
}

/** A 3-D face (MEAN_FACE_68 unless given) at this pose, scale (pixels per mm) and position, in the photo. */
export function projectFace(
  pose: HeadPose,
  scale: number,
  centre: Point,
  face: readonly Vec3[] = MEAN_FACE_68,
): Point[] {
  const view = rotateInto(pose, Float64Array.from(face.flat()), new Float64Array(face.length * 2));
  return face.map((_, i) => [
    centre[0] + scale * (view[2 * i] as number),
    centre[1] + scale * (view[2 * i + 1] as number),
  ]);
}

/**
 * The weighted residuals (into `r`) and their sum of squares for the best scale and shift of a view
 * of the model: that similarity is linear in the points, so it is solved in closed form and only the
 * three angles are searched. `points` and `view` are flat x, y arrays.
 */
function residuals(view: Float64Array, points: Float64Array, weights: Float64Array, r: Float64Array): number {
  let wsum = 0;
  let vx = 0;
  let vy = 0;
  let px = 0;
  let py = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    wsum += w;
    vx += w * (view[2 * i] as number);
    vy += w * (view[2 * i + 1] as number);
    px += w * (points[2 * i] as number);
    py += w * (points[2 * i + 1] as number);
  }
  vx /= wsum;
  vy /= wsum;
  px /= wsum;
  py /= wsum;
  let num = 0;
  let den = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    const dx = (view[2 * i] as number) - vx;
    const dy = (view[2 * i + 1] as number) - vy;
    num += w * (dx * ((points[2 * i] as number) - px) + dy * ((points[2 * i + 1] as number) - py));
    den += w * (dx * dx + dy * dy);
  }
  const scale = den > 0 ? num / den : 0;
  let cost = 0;
  for (let i = 0; i < weights.length; i++) {
    const sw = Math.sqrt(weights[i] as number);
    const rx = sw * (px + scale * ((view[2 * i] as number) - vx) - (points[2 * i] as number));
    const ry = sw * (py + scale * ((view[2 * i + 1] as number) - vy) - (points[2 * i + 1] as number));
    r[2 * i] = rx;
    r[2 * i + 1] = ry;
    cost += rx * rx + ry * ry;
  }
  return cost;
}

const ANGLES = ['yaw', 'pitch', 'roll'] as const;
/** Degrees: the numeric derivatives' step, and the step below which the search stops. */
const H = 1e-3;
const SETTLED = 1e-3;

/** Levenberg–Marquardt over the three angles from one start, numeric derivatives. */
function refine(model: FaceModel, points: Float64Array, start: HeadPose): { pose: HeadPose; cost: number } {
  const n = points.length;
  const view = new Float64Array(n);
  let r = new Float64Array(n);
  let trial = new Float64Array(n);
  const jacobian = ANGLES.map(() => new Float64Array(n));
  let pose = { ...start };
  let cost = residuals(rotateInto(pose, model.points, view), points, model.weights, r);
  let lambda = 1e-3;
  for (let iteration = 0; iteration < 100; iteration++) {
    ANGLES.forEach((angle, a) => {
      residuals(
        rotateInto({ ...pose, [angle]: pose[angle] + H }, model.points, view),
        points,
        model.weights,
        trial,
      );
      const column = jacobian[a] as Float64Array;
      for (let k = 0; k < n; k++) column[k] = ((trial[k] as number) - (r[k] as number)) / H;
    });
    // Normal equations JᵀJ δ = −Jᵀr, damped.
    const jtj = jacobian.map((a) => jacobian.map((b) => dot(a, b)));
    const jtr = jacobian.map((a) => -dot(a, r));
    let improved = false;
    let step: [number, number, number] = [0, 0, 0];
    for (let attempt = 0; attempt < 12 && !improved; attempt++) {
      const damped = jtj.map((row, a) => row.map((v, b) => (a === b ? v * (1 + lambda) + 1e-9 : v)));
      step = solve3(damped, jtr);
      const next: HeadPose = {
        yaw: pose.yaw + step[0],
        pitch: pose.pitch + step[1],
        roll: pose.roll + step[2],
      };
      const tried = residuals(rotateInto(next, model.points, view), points, model.weights, trial);
      if (tried < cost) {
        pose = next;
        cost = tried;
        [r, trial] = [trial, r];
        lambda = Math.max(lambda / 10, 1e-9);
        improved = true;
      } else {
        lambda *= 10;
      }
    }
    if (!improved || Math.max(...step.map(Math.abs)) < SETTLED) break;
  }
  return { pose, cost };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Cramer's rule for a 3 × 3 system. */
function solve3(m: number[][], b: number[]): [number, number, number] {
  const det = (a: number[][]) => {
    const [[a00, a01, a02], [a10, a11, a12], [a20, a21, a22]] = a as [number[], number[], number[]] as [
      [number, number, number],
      [number, number, number],
      [number, number, number],
    ];
    return a00 * (a11 * a22 - a12 * a21) - a01 * (a10 * a22 - a12 * a20) + a02 * (a10 * a21 - a11 * a20);
  };
  const d = det(m);
  if (Math.abs(d) < 1e-300) return [0, 0, 0];
  const column = (k: number) => det(m.map((row, i) => row.map((v, j) => (j === k ? (b[i] as number) : v))));
  return [column(0) / d, column(1) / d, column(2) / d];
}

/** Starting yaws: the fit has a local minimum on the far side of a profile, so it starts from both. */
const START_YAWS = [-60, 0, 60];

/**
 * The generic face's five landmarks as a detector marks them, in LANDMARK_NAMES order: the eye centres
 * and the nose tip of MEAN_FACE_68, and the mouth corners where RetinaFace puts them. It marks them
 * 4 mm higher and 2 mm further apart than the lip corners of the 68 points: its mean five points on the
 * 837 frontal photos of CFP's training folds (6–8), eyes levelled and scaled to this face's 61.7 mm
 * between the eye centres, are the eyes at ±30.8, 0, the nose at 0, −36.0 and the mouth at ±27.0,
 * −62.2 mm. With the lip corners, the model's frontal face was narrower than the detector's (eye
 * distance over eye-to-mouth height 0.93 against 0.99), so a turned face read as turned less than it was.
 */
export const MEAN_FACE_5: readonly Vec3[] = (() => {
  const centre = (from: number): Vec3 => {
    const eye = MEAN_FACE_68.slice(from, from + 6);
    const mean = (axis: number) => eye.reduce((sum, p) => sum + (p[axis] as number), 0) / eye.length;
    return [mean(0), mean(1), mean(2)];
  };
  const lipDepth = (MEAN_FACE_68[48] as Vec3)[2];
  return [centre(36), centre(42), MEAN_FACE_68[30] as Vec3, [-27, -62.2, lipDepth], [27, -62.2, lipDepth]];
})();

const MODEL_5: FaceModel = {
  points: Float64Array.from(MEAN_FACE_5.flat()),
  weights: new Float64Array(MEAN_FACE_5.length).fill(1),
};

/** The best of the fits from each start: its angles, and its residual per point in units of the face's size. */
function fitPose(model: FaceModel, points: readonly Point[], left: Point, right: Point): HeadPose {
  const roll = Math.atan2(right[1] - left[1], right[0] - left[0]) / RAD;
  const flat = Float64Array.from(points.flat());
  const best = START_YAWS.map((yaw) => refine(model, flat, { yaw, pitch: 0, roll })).reduce((a, b) =>
    b.cost < a.cost ? b : a,
  );
  return canonical(best.pose);
}

/**
 * The pose of the generic face that best explains the 68 points (in image pixels, iBUG order), each
 * angle in degrees, rounded to 0.1°: yaw in [−90, 90], pitch and roll in (−180, 180].
 */
export function headPose(points: readonly Point[]): HeadPose {
  if (points.length !== MEAN_FACE_68.length)
    throw new RangeError(`headPose needs ${MEAN_FACE_68.length} points, got ${points.length}`);
  return fitPose(MODEL_68, points, points[36] as Point, points[45] as Point);
}

/** The same fit to five landmarks (e.g. the detector's own). */
export function headPoseOfFive(landmarks: Landmarks): HeadPose {
  const points = LANDMARK_NAMES.map((name) => landmarks[name]);
  return fitPose(MODEL_5, points, landmarks.leftEye, landmarks.rightEye);
}

const wrap = (degrees: number) => {
  const d = ((((degrees + 180) % 360) + 360) % 360) - 180;
  return d === -180 ? 180 : d;
};
const tenth = (x: number) => Math.round(x * 10) / 10 + 0;

/** Angles wrapped to one turn; (yaw + 180°, 180° − pitch, roll + 180°) is the same rotation, so |yaw| ≤ 90°. */
function canonical({ yaw, pitch, roll }: HeadPose): HeadPose {
  let [y, p, r] = [wrap(yaw), wrap(pitch), wrap(roll)];
  if (Math.abs(y) > 90) [y, p, r] = [wrap(y + 180), wrap(180 - p), wrap(r + 180)];
  return { yaw: tenth(y), pitch: tenth(p), roll: tenth(r) };
}

/**
 * A face's head pose: the 68 points' fit, the detector's five landmarks' when there are no 68 points.
 * face-api's 68-point model was trained mostly on frontal faces and squeezes a profile's points towards
 * a half-turned face (CFP's profiles: median |yaw| 47° from them, 62° from the five landmarks), so for
 * a face in profile (pose.ts) the yaw is the larger of the two fits', with the 68 points' sign.
 */
export function facePose(points: readonly Point[] | undefined, detected: Landmarks): HeadPose {
  if (!points) return headPoseOfFive(detected);
  const pose = headPose(points);
  if (!isProfile(detected)) return pose;
  const yaw = Math.max(Math.abs(pose.yaw), Math.abs(headPoseOfFive(detected).yaw));
  return { ...pose, yaw: pose.yaw < 0 ? -yaw : yaw };
}
