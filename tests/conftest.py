def pytest_configure(config):
    config.addinivalue_line("markers", "slow: whole-program runs of a minute or more (run in CI)")
