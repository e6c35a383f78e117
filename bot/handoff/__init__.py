"""Handing a conversation to a human agent: tickets, queue, summary, events, service hours."""
