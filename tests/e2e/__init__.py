"""End-to-end and crash tests: the real `parley run` process against fakecord over loopback.

Each test starts fakecord in the test process and the bot as a separate process
(`python -m bot.cli run`), talks to it only the way Discord members would (messages, edits, deletes,
slash commands) and checks the result in fakecord's world and in the bot's own SQLite file.
`harness` holds the pieces; `bench/wire.py` reuses them for the over-the-wire benchmark.
"""
