/**
 * Runs original TensorFlow Lite models in LiteRT.js (Google's TensorFlow Lite runtime compiled to
 * WebAssembly) as the reference for equivalence tests. LiteRT.js targets browsers and workers: it
 * loads its Emscripten script with importScripts and reads the factory from `self.ModuleFactory`,
 * so Node gets a `self` and an importScripts that evaluates the script as a CommonJS module.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runInThisContext } from 'node:vm';
import { type CompiledModel, loadAndCompile, loadLiteRt, Tensor } from '@litertjs/core';
import { readTflite } from '../src/tflite-schema.ts';

const WASM_DIR = join(dirname(createRequire(import.meta.url).resolve('@litertjs/core/package.json')), 'wasm');

let ready: Promise<unknown> | undefined;

function liteRtReady(): Promise<unknown> {
  ready ??= (() => {
    const scope = globalThis as unknown as Record<string, unknown>;
    scope.self ??= globalThis;
    scope.importScripts = (file: string) => {
      const module = { exports: {} as unknown };
      const wrapped = runInThisContext(
        `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`,
        { filename: file },
      ) as (...args: unknown[]) => void;
      wrapped(module.exports, createRequire(file), module, file, dirname(file));
      scope.ModuleFactory = module.exports;
    };
    // The Emscripten module's settings: its INFO lines on every model load are noise.
    scope.Module = { printErr: (line: string) => line.startsWith('INFO:') || console.error(line) };
    return loadLiteRt(`${WASM_DIR}/`);
  })();
  return ready;
}

/**
 * A copy of the model whose input and output tensors have other shapes (same ranks). LiteRT.js has
 * no way to resize inputs, but it re-infers every intermediate shape when the model is prepared.
 */
export function withShapes(model: Uint8Array, input: number[], outputs: number[][]): Uint8Array {
  const copy = new Uint8Array(model);
  const view = new DataView(copy.buffer);
  const graph = readTflite(model).subgraphs[0];
  if (graph?.inputs.length !== 1 || graph.outputs.length !== outputs.length) {
    throw new Error('expected one input and the same number of outputs');
  }
  const patch = (index: number, shape: number[]) => {
    const tensor = graph.tensors[index];
    if (tensor?.shape.length !== shape.length) throw new Error(`tensor ${index}: rank ${shape.length}`);
    for (const [i, d] of shape.entries()) view.setInt32(tensor.shapeOffset + 4 * i, d, true);
  };
  patch(graph.inputs[0] as number, input);
  for (const [i, index] of graph.outputs.entries()) patch(index, outputs[i] as number[]);
  return copy;
}

export interface ReferenceModel {
  /** Every output of one run, in the model's output order. */
  run(input: Float32Array, shape: number[]): Promise<Float32Array[]>;
  delete(): void;
}

export async function loadReference(model: Uint8Array): Promise<ReferenceModel> {
  await liteRtReady();
  const compiled: CompiledModel = await loadAndCompile(model, { accelerator: 'wasm' });
  return {
    async run(input, shape) {
      const x = new Tensor(input, shape);
      const ys = await compiled.run([x]);
      const out = ys.map((y) => Float32Array.from(y.toTypedArray() as Float32Array));
      for (const t of [x, ...ys]) t.delete();
      return out;
    },
    delete: () => compiled.delete(),
  };
}
