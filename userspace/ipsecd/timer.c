// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecd's timers: one list sorted by deadline, on now_ms()'s clock (main.c
 * reads CLOCK_MONOTONIC; the stateful fuzzer brings a clock of its own and
 * swaps the list between its two daemons, as it does the SA lists).
 */
#include "ipsecd.h"

struct list timers = LIST_INIT(timers);

void timer_stop(struct timer *t)
{
	if (t->armed) {
		list_del(&t->node);
		t->armed = false;
	}
}

void timer_arm(struct timer *t, uint64_t delay_ms)
{
	struct list *pos;

	timer_stop(t);
	t->when = now_ms() + delay_ms;
	/* Sorted by deadline, ties in arming order: walk back from the end. */
	for (pos = timers.prev; pos != &timers; pos = pos->prev)
		if (container_of(pos, struct timer, node)->when <= t->when)
			break;
	t->node.prev = pos;
	t->node.next = pos->next;
	pos->next->prev = &t->node;
	pos->next = &t->node;
	t->armed = true;
}

int timers_next_ms(uint64_t now)
{
	const struct timer *t;

	if (timers.next == &timers)
		return -1;
	t = container_of(timers.next, struct timer, node);
	if (t->when <= now)
		return 0;
	return t->when - now > 60000 ? 60000 : (int)(t->when - now);
}

void timers_run(uint64_t now)
{
	while (timers.next != &timers) {
		struct timer *t = container_of(timers.next, struct timer, node);

		if (t->when > now)
			break;
		timer_stop(t);
		t->fn(t);
	}
}
