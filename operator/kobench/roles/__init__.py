"""The processes that do the measuring: writer and observers, locally or inside pods."""
