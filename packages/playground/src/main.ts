// The page: starts the worker, draws each run's learning curves (core's SVG
// chart) as epochs arrive, and shows the numbers. Every element the test
// reads carries a data- attribute.
import { learningCurvesSvg } from '@tikhonov/core';
import { scaleLinear } from 'd3-scale';
import type { FirstLayer, StartMessage, WorkerMessage } from './messages.js';

type Run = 'plain' | 'regularized';
const rows: Record<Run, Array<{ epoch: number; loss: number; validationLoss: number; validationAccuracy: number }>> = { plain: [], regularized: [] };
const status = document.getElementById('status')!;
const button = document.getElementById('start') as HTMLButtonElement;

function draw(run: Run): void {
  const panel = document.getElementById(`run-${run}`)!;
  const data = rows[run];
  panel.querySelector('.chart')!.innerHTML = learningCurvesSvg(
    [
      { label: 'train (+ penalties)', points: data.map((r) => [r.epoch, r.loss] as const) },
      { label: 'validation', points: data.map((r) => [r.epoch, r.validationLoss] as const), dashed: true },
    ],
    { title: `${run}: cross-entropy per epoch`, xLabel: 'epoch', width: 620, height: 340 },
  );
  const last = data.at(-1);
  const numbers = panel.querySelector('.numbers') as HTMLElement;
  numbers.dataset.epochs = String(data.length);
  if (last) {
    numbers.dataset.validationAccuracy = String(last.validationAccuracy);
    numbers.textContent = `epoch ${last.epoch}: validation accuracy ${(100 * last.validationAccuracy).toFixed(1)} %`;
  }
}

/** 16 hidden units' incoming weights as 8×8 tiles (blue negative, red positive, one colour scale for both runs). */
function heatMap(layer: FirstLayer): string {
  const limit = 0.4;
  const colour = scaleLinear<string>().domain([-limit, 0, limit]).range(['#2166ac', '#f7f7f7', '#b2182b']).clamp(true);
  const cell = 6;
  const tiles = layer.units.map((weights, u) => {
    const [tx, ty] = [(u % 8) * (8 * cell + 6), Math.floor(u / 8) * (8 * cell + 6)];
    return weights.map((w, i) => `<rect x="${tx + (i % 8) * cell}" y="${ty + Math.floor(i / 8) * cell}" width="${cell}" height="${cell}" fill="${colour(w)}"/>`).join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${8 * (8 * cell + 6)}" height="${2 * (8 * cell + 6)}" data-tiles="${layer.units.length}">${tiles.join('')}</svg>`;
}

button.addEventListener('click', () => {
  rows.plain = [];
  rows.regularized = [];
  (['plain', 'regularized'] as const).forEach((run) => {
    draw(run);
    document.querySelector(`#run-${run} .weights`)!.innerHTML = '';
  });
  const plugins = [...document.querySelectorAll<HTMLInputElement>('#plugins input:checked')].map((i) => i.name) as StartMessage['plugins'];
  const epochs = Number((document.getElementById('epochs') as HTMLInputElement).value);
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  button.disabled = true;
  status.textContent = 'starting the wasm backend…';
  status.className = '';
  status.dataset.state = 'running';
  worker.onerror = (event) => {
    status.textContent = `worker error: ${event.message}`;
    status.className = 'error';
    status.dataset.state = 'error';
    button.disabled = false;
  };
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    if (message.type === 'ready') status.textContent = `training on ${message.backend}: ${message.train} training digits (30 % wrong labels), ${message.validation} validation`;
    else if (message.type === 'epoch') {
      rows[message.run].push(message);
      draw(message.run);
    } else if (message.type === 'done') {
      const numbers = document.querySelector(`#run-${message.run} .numbers`) as HTMLElement;
      numbers.dataset.testAccuracy = String(message.testAccuracy);
      numbers.textContent += ` — test accuracy ${(100 * message.testAccuracy).toFixed(1)} % (${message.stop}); largest first-layer unit norm ${message.weights.largestNorm.toFixed(2)}`;
      numbers.dataset.largestNorm = String(message.weights.largestNorm);
      numbers.dataset.plugins = message.plugins.join(',');
      if (message.plugins.length > 0) numbers.textContent += `; plugins: ${message.plugins.join(', ')}`;
      const weights = document.querySelector(`#run-${message.run} .weights`) as HTMLElement;
      weights.innerHTML = `<p>first-layer weights of 16 hidden units (8×8 pixels each)</p>${heatMap(message.weights)}`;
      if (message.run === 'regularized') {
        status.textContent = 'done';
        status.dataset.state = 'done';
        button.disabled = false;
        worker.terminate();
      }
    } else {
      status.textContent = `error: ${message.message}`;
      status.className = 'error';
      status.dataset.state = 'error';
      button.disabled = false;
      worker.terminate();
    }
  };
  worker.postMessage({ type: 'start', plugins, epochs } satisfies StartMessage);
});
