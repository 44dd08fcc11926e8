"""What the tests share: a hand-moved clock, the shipped content, the fake Bot API, paths."""
