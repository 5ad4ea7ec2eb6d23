import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../../src/core/errors.ts';
import { extractArguments, questionFor } from '../../../src/models/local/extract.ts';

// Wednesday 5 March 2025.
const now = new Date('2025-03-05T15:00:00Z');

const createReturn = {
  type: 'object',
  properties: {
    orderId: { type: 'string', pattern: '^[A-Z]\\d{4}$', description: 'The order ID, e.g. A1234' },
    email: { type: 'string', format: 'email', description: "The customer's email address" },
    pickupDate: { type: 'string', format: 'date', description: 'Day the courier collects the parcel' },
    resolution: { type: 'string', enum: ['refund', 'exchange', 'store_credit'] },
    amount: { type: 'number', minimum: 0, description: 'Refund amount in USD' },
    quantity: { type: 'integer', minimum: 1, maximum: 5, description: 'Number of items to return' },
    reason: { type: 'string', maxLength: 200 },
  },
  required: ['orderId', 'email', 'resolution'],
  additionalProperties: false,
};

const orderStatus = {
  type: 'object',
  properties: { orderId: { type: 'string', description: 'Order number to look up' } },
  required: ['orderId'],
};

describe('extractArguments', () => {
  test('fills an email, a relative date, an enum, an amount and a quantity from one message', () => {
    const result = extractArguments(
      createReturn,
      'Please return 2 items from order a1234 and refund $49.90 to jane.doe@example.com — pickup next friday, because they arrived damaged.',
      undefined,
      { now },
    );
    assert.deepEqual(result.args, {
      orderId: 'A1234',
      email: 'jane.doe@example.com',
      pickupDate: '2025-03-07',
      resolution: 'refund',
      amount: 49.9,
      quantity: 2,
      reason: 'they arrived damaged',
    });
    assert.deepEqual(result.missing, []);
    assert.equal(result.question, null);
  });

  test('tells two numbers apart by the words around them', () => {
    const result = extractArguments(createReturn, 'Order A1234: the amount is 30 dollars for 3 pairs', undefined, { now });
    assert.equal(result.args.amount, 30);
    assert.equal(result.args.quantity, 3);
  });

  test('skips an enum value the customer rules out', () => {
    const result = extractArguments(createReturn, "I'd like store credit instead of a refund for A1234", undefined, { now });
    assert.equal(result.args.resolution, 'store_credit');
    const exchange = extractArguments(createReturn, 'An exchange, not a refund, please', undefined, { now });
    assert.equal(exchange.args.resolution, 'exchange');
  });

  test('respects minimum and maximum: a quantity above the maximum is not taken', () => {
    const result = extractArguments(createReturn, 'return 12 items from A1234', undefined, { now });
    assert.equal(result.args.quantity, undefined);
  });

  test('does not take an id out of a longer number', () => {
    const result = extractArguments(createReturn, 'my tracking number is 1Z999A12345', undefined, { now });
    assert.equal(result.args.orderId, undefined);
  });

  test('asks for a missing required id using its description', () => {
    const result = extractArguments(orderStatus, 'Where is my package?', undefined, { now });
    assert.deepEqual(result.args, {});
    assert.deepEqual(result.missing, ['orderId']);
    assert.equal(result.question, 'Could you tell me the order number to look up?');
  });

  test('fills the missing id from the next turn and keeps what earlier turns found', () => {
    const first = extractArguments(createReturn, 'I want a refund, my email is sam@example.org', undefined, { now });
    assert.deepEqual(first.missing, ['orderId']);
    assert.equal(first.question, 'Could you tell me the order ID?');

    const second = extractArguments(createReturn, "Sure, it's B7777", first.args, { now });
    assert.deepEqual(second.args, { resolution: 'refund', email: 'sam@example.org', orderId: 'B7777' });
    assert.deepEqual(second.missing, []);
  });

  test('lets a new value win over one from an earlier turn', () => {
    const result = extractArguments(createReturn, 'actually make it an exchange', { orderId: 'A1234', email: 'a@b.co', resolution: 'refund' }, { now });
    assert.equal(result.args.resolution, 'exchange');
  });

  test('picks id-looking tokens for id properties, using the words before them', () => {
    const schema = {
      type: 'object',
      properties: { customerId: { type: 'string' }, orderId: { type: 'string' } },
      required: ['orderId'],
    };
    assert.deepEqual(extractArguments(schema, 'customer C-77 asks about order ORD-5512', undefined, { now }).args, {
      customerId: 'C-77',
      orderId: 'ORD-5512',
    });
  });

  test('parses an integer order number', () => {
    const schema = { type: 'object', properties: { orderNumber: { type: 'integer' } }, required: ['orderNumber'] };
    assert.deepEqual(extractArguments(schema, 'status of order #100234 please', undefined, { now }).args, { orderNumber: 100234 });
  });

  test('takes the whole reply as a free-text argument that was just asked for', () => {
    const schema = {
      type: 'object',
      properties: { orderId: { type: 'string' }, reason: { type: 'string', description: 'Why the customer is returning the item' } },
      required: ['orderId', 'reason'],
    };
    const first = extractArguments(schema, 'I need to return order A1234', undefined, { now });
    assert.equal(first.question, 'Could you tell me why you are returning the item?');
    const second = extractArguments(schema, 'The zipper broke after a week.', first.args, { now });
    assert.deepEqual(second.args, { orderId: 'A1234', reason: 'The zipper broke after a week' });
  });

  test('reads a yes/no answer for the boolean that was asked, and a named option with its negation', () => {
    const schema = {
      type: 'object',
      properties: { orderId: { type: 'string' }, giftWrap: { type: 'boolean' } },
      required: ['orderId', 'giftWrap'],
    };
    assert.equal(extractArguments(schema, 'yes please', { orderId: 'A1234' }, { now }).args.giftWrap, true);
    assert.equal(extractArguments(schema, 'nope', { orderId: 'A1234' }, { now }).args.giftWrap, false);
    assert.equal(extractArguments(schema, 'order A1234 with gift wrap', undefined, { now }).args.giftWrap, true);
    assert.equal(extractArguments(schema, 'order A1234, no gift wrap', undefined, { now }).args.giftWrap, false);
    assert.equal(extractArguments(schema, 'order A1234', undefined, { now }).args.giftWrap, undefined);
  });

  test('reads a date-time, a phone number and counts for a booking', () => {
    const schema = {
      type: 'object',
      properties: {
        checkIn: { type: 'string', format: 'date-time' },
        phone: { type: 'string' },
        nights: { type: 'integer', minimum: 1 },
        guests: { type: 'integer', description: 'Number of guests' },
      },
      required: ['checkIn', 'phone'],
    };
    const result = extractArguments(schema, 'Book 3 nights for 2 guests from March 10 at 3pm, call me on +1 415-555-0100', undefined, { now });
    assert.deepEqual(result.args, { checkIn: '2025-03-10T15:00:00Z', phone: '+1 415-555-0100', nights: 3, guests: 2 });
  });

  test('drops earlier values the schema rejects and asks for them again', () => {
    const result = extractArguments(createReturn, 'refund please', { orderId: 'A1234', email: 'not-an-email', colour: 'red' }, { now });
    assert.equal(result.args.email, undefined);
    assert.equal('colour' in result.args, false);
    assert.deepEqual(result.missing, ['email']);
    assert.equal(result.question, 'Could you tell me your email address?');
  });

  test('accepts a reloaded schema that carries the same $id as before', () => {
    const schema = () => ({ $id: 'https://acme.test/order-status', ...orderStatus });
    assert.deepEqual(extractArguments(schema(), 'order A1234', undefined, { now }).args, { orderId: 'A1234' });
    assert.deepEqual(extractArguments(schema(), 'order B5678', undefined, { now }).args, { orderId: 'B5678' });
  });

  test('rejects an action input that is not a valid JSON Schema, naming the field', () => {
    assert.throws(
      () => extractArguments({ type: 'object', properties: { n: { type: 'integer', minimum: 'one' } } }, 'hi'),
      (err: unknown) => err instanceof InputError && err.issues[0]?.path === 'input',
    );
  });
});

describe('questionFor', () => {
  test('lists the options of an enum', () => {
    assert.equal(questionFor(createReturn, 'resolution'), 'Could you tell me the resolution (refund, exchange or store credit)?');
  });

  test('falls back to the property name when there is no description', () => {
    const schema = { type: 'object', properties: { trackingNumber: { type: 'string' }, phone: { type: 'string' } } };
    assert.equal(questionFor(schema, 'trackingNumber'), 'Could you tell me the tracking number?');
    assert.equal(questionFor(schema, 'phone'), 'Could you tell me your phone number?');
  });

  test('asks a yes/no question for a boolean', () => {
    assert.equal(questionFor({ properties: { expressShipping: { type: 'boolean' } } }, 'expressShipping'), 'Would you like express shipping (yes or no)?');
    assert.equal(
      questionFor({ properties: { signature: { type: 'boolean', description: 'Whether a signature is required on delivery' } } }, 'signature'),
      'Could you tell me whether a signature is required on delivery?',
    );
  });
});
