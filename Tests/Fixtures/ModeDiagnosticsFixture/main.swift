// Fixture entry point; scenarios land here.
print("ModeDiagnosticsFixture")
