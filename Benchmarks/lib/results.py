"""The results file Benchmarks/run and Benchmarks/cluster append to: one KEY=VALUE per line.

`numbers(path)` reads the numeric values (a later line wins; text values are skipped, or kept as
text with keep_text=True), so that each report and summary script does not parse it again.
"""


def numbers(path, keep_text=False):
    values = {}
    for line in open(path):
        key, _, value = line.strip().partition("=")
        try:
            values[key] = float(value)
        except ValueError:
            if keep_text:
                values[key] = value
    return values
