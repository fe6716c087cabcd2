"""demo_world"""
