package patterns

// Per-request forms of the OrderItem pattern, used by the load generator
// (package load): one call is one order of several items, the unit of work
// a request handler of the seed article's trading system does. The batch
// functions in orderitem.go time the allocation alone; these put it inside
// request-shaped work so that latency under load can be measured.

// MaxOrderItems bounds the items of one order; the items held during a
// request live in a fixed array on the stack.
const MaxOrderItems = 64

// NewOrder creates one order of items OrderItems (clamped to
// [1, MaxOrderItems]) with new(OrderItem): one 48-byte heap allocation per
// item, each escaping as an item handed to an order book would. seq numbers
// the order so that the field values vary. It returns a checksum of the
// order so the work cannot be removed.
func NewOrder(seq uint64, items int) uint64 {
	items = min(max(items, 1), MaxOrderItems)
	var acc uint64
	base := int(seq % (1 << 40) * uint64(items))
	for k := 0; k < items; k++ {
		it := new(OrderItem)
		it.fill(base + k)
		acc += it.notional()
		escapeItem(it)
	}
	return acc
}

// Order creates one order of items OrderItems taken from the pool: all the
// order's items are held until the order is done, then cleared and returned,
// as a handler returns its objects when the response is sent. Apart from
// the pool traffic it does the same work as NewOrder. Safe for concurrent
// use (the pool is shared, as a package-level pool is between handlers).
func (p *OrderItemPool) Order(seq uint64, items int) uint64 {
	items = min(max(items, 1), MaxOrderItems)
	var held [MaxOrderItems]*OrderItem
	var acc uint64
	base := int(seq % (1 << 40) * uint64(items))
	for k := 0; k < items; k++ {
		it := p.pool.Get().(*OrderItem)
		it.fill(base + k)
		acc += it.notional()
		escapeItem(it)
		held[k] = it
	}
	for k := 0; k < items; k++ {
		*held[k] = OrderItem{} // a recycled item must not leak the previous order
		p.pool.Put(held[k])
		held[k] = nil
	}
	return acc
}
