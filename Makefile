# The two commands of README.md, plus helpers. All the work is in scripts/harness.sh.
.PHONY: run test bench loadtest pot shell

run:
	scripts/harness.sh run

test:
	scripts/harness.sh test

bench:
	scripts/harness.sh bench

loadtest:
	scripts/harness.sh loadtest

pot:
	scripts/harness.sh pot

shell:
	scripts/harness.sh shell
