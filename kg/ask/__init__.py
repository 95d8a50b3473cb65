"""Answers: who fought whom, profiles, relations, timelines, stats, queries, exports, consistency checks,
the network and its analyses. Built on kg.store and kg.graph.
"""
