"""Pure domain: the framework, scoring, predicates, planning, registries, published results.

Plain data in, plain data out: no Streamlit, no database.
"""
