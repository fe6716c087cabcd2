"""point"""
