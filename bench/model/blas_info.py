"""Which BLAS a PyTorch benchmark process runs on (shared by torch_step.py and torch_llama_step.py)."""


def blas_libraries():
    """The BLAS shared libraries this process loaded (Debian's torch links the libblas.so.3 alternative:
    reference BLAS unless an OpenBLAS package is installed, about 50x slower at these shapes)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if "blas" in path.rsplit("/", 1)[-1]:
                libs.add(path)
    return sorted(libs)
