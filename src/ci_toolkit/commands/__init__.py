"""One module per action: each declares INPUTS (as its action.yml), SOFT, and run(runtime)."""
