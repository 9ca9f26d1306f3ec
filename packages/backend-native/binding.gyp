{
  # oneDNN's convolutions are built in when the library is there (scripts/has-dnnl.mjs)
  "variables": { "has_dnnl%": "<!(node scripts/has-dnnl.mjs)" },
  "targets": [
    {
      "target_name": "tikhonov_native",
      "sources": ["src/addon/native.cc", "src/addon/gemm.cc", "src/addon/elementwise.cc", "src/addon/updates.cc", "src/addon/rows.cc", "src/addon/image.cc", "src/addon/conv.cc", "src/addon/pooling.cc", "src/addon/random.cc", "src/addon/dnnl-conv.cc", "src/addon/dnnl-gemm.cc"],
      "conditions": [["has_dnnl==1", { "defines": ["TIKHONOV_DNNL"], "libraries": ["-ldnnl"] }]],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(pkg-config --cflags-only-I openblas | sed 's/-I//g')"
      ],
      "libraries": ["<!@(pkg-config --libs openblas)"],
      # -fno-trapping-math lets GCC turn float selects into vector code (the
      # pooling gradient runs 5x faster); nothing here reads FP exception flags.
      # -fno-math-errno: std::sqrt may then be one vector instruction (with errno
      # to set for a negative input GCC kept a scalar call path and did not
      # vectorize the loop: Adam's pass ran 7x slower); nothing reads errno.
      # -Wno-psabi: GCC notes that passing 32-byte vectors changed ABI in 4.6;
      # the functions that do (Load8/Store8) are inlined and internal.
      # NODE_ADDON_API_CPP_EXCEPTIONS_ALL: any std::exception a function lets
      # out (std::bad_alloc, or one a pool job threw) becomes a JS Error.
      "cflags_cc": ["-O3", "-fno-trapping-math", "-fno-math-errno", "-Wno-psabi", "-std=c++17", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL"]
    }
  ]
}
