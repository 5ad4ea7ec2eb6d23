import { readFile } from 'node:fs/promises';

/**
 * Acme's order actions, backed by the sample data in ../data/orders.json. A real deployment would
 * call the order system here; the shape of the results is what the agent relies on.
 */

interface OrderItem {
  sku: string;
  name: string;
  quantity: number;
  unit_price: number;
}

interface Order {
  order_id: string;
  status: 'processing' | 'shipped' | 'in_transit' | 'out_for_delivery' | 'delayed' | 'delivered' | 'cancelled' | 'returned';
  placed_at: string;
  shipping_method: string;
  carrier: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  eta: string | null;
  delivered_at: string | null;
  items: OrderItem[];
  subtotal: number;
  shipping: number;
  tax: number;
  total: number;
  currency: string;
  customer: { name: string; email: string };
}

/** What the platform passes as the second argument (see docs/agent-file.md). */
interface ActionContext {
  sessionId: string;
  signal: AbortSignal;
}

const STATUS_TEXT: Record<Order['status'], string> = {
  processing: 'is being prepared in our warehouse',
  shipped: 'has shipped',
  in_transit: 'is in transit',
  out_for_delivery: 'is out for delivery today',
  delayed: 'is delayed in transit',
  delivered: 'was delivered',
  cancelled: 'was cancelled',
  returned: 'was returned and refunded',
};

const REASON_CODES = { damaged: 'DMG', wrong_item: 'WRG', no_longer_needed: 'NLN', other: 'OTH' } as const;

// Read once per process: the sample data stands in for an order system and does not change while it runs.
let ordersLoaded: Promise<Order[]> | undefined;
const loadOrders = () => (ordersLoaded ??= readFile(new URL('../data/orders.json', import.meta.url), 'utf8').then((text) => JSON.parse(text) as Order[]));

async function findOrder(orderId: string): Promise<Order> {
  const orders = await loadOrders();
  const id = orderId.trim().toUpperCase();
  const order = orders.find((o) => o.order_id === id);
  if (!order) throw new Error(`No order ${id} was found. Order numbers start with "A" and are on the confirmation email.`);
  return order;
}

/** Status, carrier, tracking and contents of one order. The customer's email stays out of the result. */
export async function lookupOrder(args: { order_id: string }, _ctx: ActionContext) {
  const order = await findOrder(args.order_id);
  return {
    order_id: order.order_id,
    status: order.status,
    summary: `Order ${order.order_id} ${STATUS_TEXT[order.status]}.`,
    placed_at: order.placed_at,
    carrier: order.carrier,
    tracking_number: order.tracking_number,
    tracking_url: order.tracking_url,
    eta: order.eta,
    delivered_at: order.delivered_at,
    items: order.items.map((i) => ({ name: i.name, quantity: i.quantity })),
    total: order.total,
    currency: order.currency,
    customer_name: order.customer.name.split(' ')[0],
  };
}

/**
 * Opens a return for a delivered order. The RMA number is derived from the order and the reason, so
 * asking twice gives the same number and nothing is written outside the process.
 */
export async function createReturn(args: { order_id: string; reason: keyof typeof REASON_CODES; note?: string }, _ctx: ActionContext) {
  const order = await findOrder(args.order_id);
  if (order.status === 'returned') throw new Error(`Order ${order.order_id} has already been returned and refunded.`);
  if (order.status !== 'delivered') {
    throw new Error(`Order ${order.order_id} has not been delivered (status: ${order.status}); a return can be started once it arrives.`);
  }
  const rma = `RMA-${order.order_id.slice(1)}-${REASON_CODES[args.reason]}`;
  const prepaidLabel = args.reason === 'damaged' || args.reason === 'wrong_item';
  return {
    rma,
    order_id: order.order_id,
    reason: args.reason,
    refund_amount: order.total,
    currency: order.currency,
    return_label: prepaidLabel ? 'prepaid label emailed to the customer' : 'return shipping of $6.95 is deducted from the refund',
    instructions: `Pack the items with the slip showing ${rma} and drop the parcel at any UPS location within 14 days. The refund is issued within 5 business days of the parcel reaching our warehouse.`,
  };
}
