"""Lantern: an anonymous domestic-abuse reporting assistant with an immigration-status firewall."""
