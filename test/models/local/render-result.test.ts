import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { humanizeKey, renderActionResult } from '../../../src/models/local/render-result.ts';

describe('renderActionResult', () => {
  test('renders an order-status object as one sentence per field', () => {
    const result = JSON.stringify({
      orderId: 'A1234',
      status: 'shipped',
      carrier: 'UPS',
      tracking_number: '1Z999AA10123456784',
      delivered: false,
      cancelledAt: null,
      items: [
        { name: 'Trail shoes', quantity: 1 },
        { name: 'Wool socks', quantity: 2 },
      ],
    });
    assert.deepEqual(renderActionResult(result), [
      'Order ID: A1234.',
      'Status: shipped.',
      'Carrier: UPS.',
      'Tracking number: 1Z999AA10123456784.',
      'Delivered: no.',
      'Items: Trail shoes (quantity 1); Wool socks (quantity 2).',
    ]);
  });

  test('unwraps a lone data envelope and shows a message field as prose', () => {
    const result = JSON.stringify({ data: { message: 'Your refund was issued. It arrives in 5 days.', refundId: 'R-88' } });
    assert.deepEqual(renderActionResult(result), ['Your refund was issued.', 'It arrives in 5 days.', 'Refund ID: R-88.']);
  });

  test('renders lists of strings, nested objects and an empty result', () => {
    assert.deepEqual(renderActionResult('{"tags":["gift","express","fragile"],"address":{"city":"Springfield","zip":"12345"}}'), [
      'Tags: gift, express and fragile.',
      'Address: city Springfield, zip 12345.',
    ]);
    assert.deepEqual(renderActionResult('[]'), ['No results.']);
  });

  test('reads key/value lines and leaves prose as sentences', () => {
    assert.deepEqual(renderActionResult('status: delivered\nsigned_by = J. Doe\nLeft at the front door. Photo attached'), [
      'Status: delivered.',
      'Signed by: J. Doe.',
      'Left at the front door.',
      'Photo attached.',
    ]);
  });
});

describe('humanizeKey', () => {
  test('turns camelCase and snake_case keys into words with acronyms upper-cased', () => {
    assert.equal(humanizeKey('estimatedDeliveryDate'), 'Estimated delivery date');
    assert.equal(humanizeKey('customer_id'), 'Customer ID');
    assert.equal(humanizeKey('returnURL'), 'Return URL');
  });
});
