"""Internals of the Qdrant Edge vector store: filter translation and the per-process shard registry.

The public entry point is `memory.edge_store.EdgeVectorStore`.
"""
