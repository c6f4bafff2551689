# Thin wrapper around ./run, the project's entry point (see README.md).
.PHONY: site test notebooks pdf bench serve clean
site test notebooks pdf bench serve clean:
	./run $@
