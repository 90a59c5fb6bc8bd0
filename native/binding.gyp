{
  "targets": [
    {
      "target_name": "coze_loop_flat_tree",
      "sources": [
        "flat_tree.c",
        "<!(node -p \"require('path').relative(process.cwd(), require('path').join(require.resolve('tree-sitter/package.json'), '..', 'vendor', 'tree-sitter', 'lib', 'src', 'lib.c'))\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('path').relative(process.cwd(), require('path').join(require.resolve('tree-sitter/package.json'), '..', 'vendor', 'tree-sitter', 'lib', 'include'))\")",
        "<!(node -p \"require('path').relative(process.cwd(), require('path').join(require.resolve('tree-sitter/package.json'), '..', 'vendor', 'tree-sitter', 'lib', 'src'))\")"
      ],
      "defines": ["_POSIX_C_SOURCE=200112L", "_DEFAULT_SOURCE", "NAPI_VERSION=8", "NDEBUG"],
      "cflags_c": ["-std=c11", "-O3", "-fvisibility=hidden", "-Wno-unused-parameter"]
    }
  ]
}
