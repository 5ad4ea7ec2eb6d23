import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findDates, findDateTimes } from '../../../src/models/local/extract-dates.ts';

// Wednesday 5 March 2025.
const now = new Date('2025-03-05T15:00:00Z');
const dates = (text: string) => findDates(text, now).map((d) => d.value);

describe('findDates', () => {
  test('reads relative days from now', () => {
    assert.deepEqual(dates('today'), ['2025-03-05']);
    assert.deepEqual(dates('tomorrow please'), ['2025-03-06']);
    assert.deepEqual(dates('it came yesterday'), ['2025-03-04']);
    assert.deepEqual(dates('the day after tomorrow'), ['2025-03-07']);
    assert.deepEqual(dates('in 2 weeks'), ['2025-03-19']);
  });

  test('reads a weekday as the coming one, never today', () => {
    assert.deepEqual(dates('next friday'), ['2025-03-07']);
    assert.deepEqual(dates('on Monday'), ['2025-03-10']);
    assert.deepEqual(dates('this wednesday'), ['2025-03-12']);
  });

  test('reads month names in either order, with the current year unless one is given', () => {
    assert.deepEqual(dates('March 3'), ['2025-03-03']);
    assert.deepEqual(dates('on 14th of Feb'), ['2025-02-14']);
    assert.deepEqual(dates('Dec. 1st, 2024'), ['2024-12-01']);
  });

  test('reads ISO dates and rejects days that do not exist', () => {
    assert.deepEqual(dates('between 2025-04-01 and 2025/04/09'), ['2025-04-01', '2025-04-09']);
    assert.deepEqual(dates('February 30 or 2025-13-01'), []);
  });

  test('reports where each date is in the text', () => {
    const [found] = findDates('Pick it up next Friday.', now);
    assert.equal('Pick it up next Friday.'.slice(found.start, found.end), 'next Friday');
  });
});

describe('findDateTimes', () => {
  test('joins a date and a clock time next to each other, read as UTC', () => {
    assert.deepEqual(findDateTimes('Call me tomorrow at 3:30pm', now).map((d) => d.value), ['2025-03-06T15:30:00Z']);
    assert.deepEqual(findDateTimes('noon on March 10', now).map((d) => d.value), ['2025-03-10T12:00:00Z']);
  });

  test('keeps the offset of an ISO date-time', () => {
    assert.deepEqual(findDateTimes('at 2025-03-10T09:15+0100', now).map((d) => d.value), ['2025-03-10T09:15:00+01:00']);
  });

  test('finds no date-time in a date alone', () => {
    assert.deepEqual(findDateTimes('tomorrow', now), []);
  });
});
