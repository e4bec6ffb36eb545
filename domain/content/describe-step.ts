// Steps and conditions of a sequence in words: the sequence picture's boxes, the statistics' step
// column and the preview's timeline say them the same way.
import type { Condition, Step } from '../../workflows/sequences/dsl';

export function describeCondition(c: Condition): string {
  if ('all' in c) return c.all.map(describeCondition).join(' and ');
  if ('any' in c) return `(${c.any.map(describeCondition).join(' or ')})`;
  if ('not' in c) return `not ${describeCondition(c.not)}`;
  if ('score' in c) return [c.score.gte !== undefined ? `score >= ${c.score.gte}` : '', c.score.lt !== undefined ? `score < ${c.score.lt}` : ''].filter(Boolean).join(' and ');
  if ('temperature' in c) return `temperature ${c.temperature.join('/')}`;
  if ('field' in c) return `${c.field}${c.equals !== undefined ? ` = ${c.equals}` : ''}${c.exists !== undefined ? (c.exists ? ' is set' : ' is empty') : ''}`;
  return `lead did ${c.did}${c.urlPrefix ? ` ${c.urlPrefix}` : ''}${c.within !== undefined ? ` within ${c.within}` : ''}`;
}

const WEEKDAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** One line saying what a step does. */
export function stepLabel(step: Step): string {
  switch (step.kind) {
    case 'send':
      return `send ${step.template}${step.locale ? ` (${step.locale})` : ''}`;
    case 'wait':
      return `wait ${step.duration}`;
    case 'waitUntil':
      return `wait until ${step.rule.weekdays?.length ? `${step.rule.weekdays.map((d) => WEEKDAYS[d]).join('/')} ` : ''}${step.rule.time}`;
    case 'waitFor':
      return `wait for ${step.events.join(' / ')}${step.urlPrefix ? ` on ${step.urlPrefix}` : ''}, up to ${step.timeout}`;
    case 'branch':
      return `if ${describeCondition(step.when)}`;
    case 'split':
      return `A/B split: ${step.variants.map((v) => `${v.name} ${v.percent}%`).join(', ')}`;
    case 'setStage':
      return `set stage ${step.stage}`;
    case 'addScore':
      return `add ${step.points} points`;
    case 'notifySales':
      return `hand to sales: ${step.reason}`;
    case 'goto':
      return `go to ${step.target}`;
    case 'end':
      return `end: ${step.reason}`;
  }
}
