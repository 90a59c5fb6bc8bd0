// coze-loop's flat syntax trees: parses with the tree-sitter C library and hands the whole tree to JavaScript in
// one call, as columns of integers (one row per node, in pre-order). Reading a tree node by node through the
// `tree-sitter` binding costs a native call per property (about 1 µs per node); the analysis walks loop bodies many
// times, so it reads these arrays instead (src/analysis/flat-tree.ts). The grammars are the ones the `tree-sitter-*`
// packages already loaded: their `language` export is an External holding the TSLanguage pointer.
#ifdef __linux__
#define _GNU_SOURCE  // SCHED_BATCH
#include <sched.h>
#endif
#include <node_api.h>
#include <stdbool.h>
#include <uv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tree_sitter/api.h>

// Columns of the exported table, in this order (each `count` int32 values).
enum { COL_SYMBOL, COL_FLAGS, COL_FIELD, COL_START, COL_END, COL_START_ROW, COL_START_COL, COL_END_ROW, COL_END_COL, COL_PARENT, COL_NEXT, COL_SIZE, COLUMNS };
enum { FLAG_NAMED = 1, FLAG_MISSING = 2, FLAG_EXTRA = 4, FLAG_HAS_ERROR = 8, FLAG_IS_ERROR = 16 };

// The type tag node-tree-sitter grammars put on their `language` External.
static const napi_type_tag LANGUAGE_TAG = {0x8AF2E5212AD58ABFULL, 0xD5006CAD83ABBA16ULL};

#define CHECK(call)                                                                                     \
  do {                                                                                                  \
    if ((call) != napi_ok) {                                                                            \
      napi_throw_error(env, NULL, "coze-loop flat tree: N-API call failed: " #call);                   \
      return NULL;                                                                                      \
    }                                                                                                   \
  } while (0)

typedef struct {
  const TSLanguage *language;
  TSParser *parser;
} ParserSlot;

// Parsers are per environment: each worker thread loads this module into its own environment, and a TSParser
// must not be used by two threads at once.
// The last trees `parse` returned are kept for incremental re-parses of edited copies of them (proving that a
// suggested fix leaves valid code): a ring of KEPT slots per environment, each freed by `release` or when its slot
// is reused, so memory stays bounded while a few files are parsed ahead of the one being analysed.
#define KEPT 24

// Trees released by JavaScript wait in `released` until the next parse job takes them to the parse thread, which frees
// them before it parses (freeing a large tree takes a while; the JavaScript thread does not wait for it). When
// RELEASED trees wait and no parse came, a job of their own frees them on a libuv thread.
#define RELEASED 16

typedef struct {
  TSTree *trees[RELEASED];
  int count;
} TreeBatch;

typedef struct ParseQueue ParseQueue;

typedef struct {
  ParserSlot slots[8];
  TSTree *kept[KEPT];
  uint32_t kept_ids[KEPT];
  uint32_t next_kept_id;
  TreeBatch released;
  ParseQueue *queue;  // parseAsync's queue (made at its first call, freed by its cleanup hook)
} Parsers;

static void free_batch(TreeBatch *batch) {
  for (int i = 0; i < batch->count; i++) ts_tree_delete(batch->trees[i]);
  batch->count = 0;
}

static void free_parsers(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Parsers *parsers = (Parsers *)data;
  for (int i = 0; i < 8; i++)
    if (parsers->slots[i].parser) ts_parser_delete(parsers->slots[i].parser);
  for (int i = 0; i < KEPT; i++)
    if (parsers->kept[i]) ts_tree_delete(parsers->kept[i]);
  free_batch(&parsers->released);
  free(parsers);
}

static Parsers *parsers_of(napi_env env) {
  Parsers *parsers = NULL;
  if (napi_get_instance_data(env, (void **)&parsers) != napi_ok) return NULL;
  return parsers;
}

/** Keeps `tree` (taking ownership) and returns its id; 0 when it could not be kept (it is then freed). */
static uint32_t keep_tree(napi_env env, TSTree *tree) {
  Parsers *parsers = parsers_of(env);
  if (!parsers) {
    ts_tree_delete(tree);
    return 0;
  }
  uint32_t id = ++parsers->next_kept_id;
  if (id == 0) id = ++parsers->next_kept_id;
  int slot = (int)(id % KEPT);
  if (parsers->kept[slot]) ts_tree_delete(parsers->kept[slot]);
  parsers->kept[slot] = tree;
  parsers->kept_ids[slot] = id;
  return id;
}

// The ring slot holding the kept tree `id`, or NULL when that tree is no longer kept.
static TSTree **kept_slot(napi_env env, uint32_t id) {
  Parsers *parsers = parsers_of(env);
  if (!parsers || id == 0) return NULL;
  int slot = (int)(id % KEPT);
  return parsers->kept_ids[slot] == id && parsers->kept[slot] ? &parsers->kept[slot] : NULL;
}

static TSTree *kept_tree(napi_env env, uint32_t id) {
  TSTree **slot = kept_slot(env, id);
  return slot ? *slot : NULL;
}

// Queues `execute` on a libuv thread and `complete` back on this one.
static napi_status queue_work(napi_env env, const char *name, napi_async_execute_callback execute, napi_async_complete_callback complete, void *data, napi_async_work *work) {
  napi_value resource_name;
  napi_status status = napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
  if (status != napi_ok) return status;
  status = napi_create_async_work(env, NULL, resource_name, execute, complete, data, work);
  if (status != napi_ok) return status;
  status = napi_queue_async_work(env, *work);
  if (status != napi_ok) napi_delete_async_work(env, *work);
  return status;
}

static TSParser *find_parser(napi_env env, const TSLanguage *language);

// This environment's parser for `language`; NULL, with an exception pending, when there is none to be had.
static TSParser *parser_for(napi_env env, const TSLanguage *language) {
  TSParser *parser = find_parser(env, language);
  if (!parser) napi_throw_error(env, NULL, "coze-loop flat tree: cannot use this language");
  return parser;
}

static TSParser *find_parser(napi_env env, const TSLanguage *language) {
  Parsers *parsers = NULL;
  if (napi_get_instance_data(env, (void **)&parsers) != napi_ok || parsers == NULL) return NULL;
  ParserSlot *slots = parsers->slots;
  for (int i = 0; i < 8; i++) {
    if (slots[i].language == language) return slots[i].parser;
    if (slots[i].language == NULL) {
      TSParser *parser = ts_parser_new();
      if (!ts_parser_set_language(parser, language)) {
        ts_parser_delete(parser);
        return NULL;
      }
      slots[i].language = language;
      slots[i].parser = parser;
      return parser;
    }
  }
  return NULL;
}

static const TSLanguage *language_arg(napi_env env, napi_value value) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return NULL;
  if (type == napi_object) {
    napi_value inner;
    if (napi_get_named_property(env, value, "language", &inner) != napi_ok) return NULL;
    value = inner;
    if (napi_typeof(env, value, &type) != napi_ok) return NULL;
  }
  if (type != napi_external) return NULL;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &LANGUAGE_TAG, &tagged) != napi_ok || !tagged) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  return (const TSLanguage *)data;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

typedef struct {
  uint64_t deadline;        // 0: none
  const volatile int *stop;  // set by another thread to cancel the parse; NULL: none
} ParseLimits;

static bool past_deadline(TSParseState *state) {
  const ParseLimits *limits = (const ParseLimits *)state->payload;
  return (limits->stop != NULL && *limits->stop) || (limits->deadline != 0 && now_ns() >= limits->deadline);
}

typedef struct {
  const char *bytes;
  uint32_t length;
} Source;

static const char *read_source(void *payload, uint32_t byte_index, TSPoint position, uint32_t *bytes_read) {
  (void)position;
  const Source *source = (const Source *)payload;
  if (byte_index >= source->length) {
    *bytes_read = 0;
    return "";
  }
  *bytes_read = source->length - byte_index;
  return source->bytes + byte_index;
}

typedef struct {
  int32_t *data;
  size_t capacity;  // rows
  size_t count;
} Table;

// Room for at least `rows` rows (the table's columns move apart when it grows).
static bool reserve(Table *table, size_t rows) {
  if (rows <= table->capacity) return true;
  size_t capacity = rows;
  int32_t *data = malloc(capacity * COLUMNS * sizeof(int32_t));
  if (!data) return false;
  if (table->data) {
    for (int c = 0; c < COLUMNS; c++) memcpy(data + c * capacity, table->data + c * table->capacity, table->count * sizeof(int32_t));
    free(table->data);
  }
  table->data = data;
  table->capacity = capacity;
  return true;
}

static bool grow(Table *table) {
  return reserve(table, table->capacity < 1024 ? 1024 : table->capacity * 2);
}

#define AT(table, column, row) ((table)->data[(size_t)(column) * (table)->capacity + (row)])

// Pre-order walk of the visible nodes (the ones `children` and tree cursors show). Byte offsets and columns are
// halved: the source is parsed as UTF-16, and JavaScript strings index UTF-16 code units.
//
// The table is sized up front to the tree's visible-node count (ts_node_descendant_count counts the rows this walk
// writes), so it is written once in place: no doubling copies, no compaction, no pages touched for unused rows.
// `grow` stays as the fallback should the count ever fall short.
static bool flatten(TSTree *tree, Table *table) {
  TSNode root = ts_tree_root_node(tree);
  if (!reserve(table, ts_node_descendant_count(root))) return false;
  TSTreeCursor cursor = ts_tree_cursor_new(root);
  size_t depth_capacity = 256;
  int32_t *open = malloc(depth_capacity * sizeof(int32_t));       // open[d]: the node entered at depth d
  int32_t *last_child = malloc(depth_capacity * sizeof(int32_t));  // last_child[d]: previous sibling at depth d
  if (!open || !last_child) goto fail;
  size_t depth = 0;
  last_child[0] = -1;
  for (;;) {
    if (table->count == table->capacity && !grow(table)) goto fail;
    int32_t i = (int32_t)table->count++;
    TSNode node = ts_tree_cursor_current_node(&cursor);
    TSPoint start = ts_node_start_point(node);
    TSPoint end = ts_node_end_point(node);
    int32_t flags = (ts_node_is_named(node) ? FLAG_NAMED : 0) | (ts_node_is_missing(node) ? FLAG_MISSING : 0) |
                    (ts_node_is_extra(node) ? FLAG_EXTRA : 0) | (ts_node_has_error(node) ? FLAG_HAS_ERROR : 0) |
                    (ts_node_is_error(node) ? FLAG_IS_ERROR : 0);
    AT(table, COL_SYMBOL, i) = ts_node_symbol(node);
    AT(table, COL_FLAGS, i) = flags;
    AT(table, COL_FIELD, i) = depth > 0 ? ts_tree_cursor_current_field_id(&cursor) : 0;
    AT(table, COL_START, i) = (int32_t)(ts_node_start_byte(node) / 2);
    AT(table, COL_END, i) = (int32_t)(ts_node_end_byte(node) / 2);
    AT(table, COL_START_ROW, i) = (int32_t)start.row;
    AT(table, COL_START_COL, i) = (int32_t)(start.column / 2);
    AT(table, COL_END_ROW, i) = (int32_t)end.row;
    AT(table, COL_END_COL, i) = (int32_t)(end.column / 2);
    AT(table, COL_PARENT, i) = depth > 0 ? open[depth - 1] : -1;
    AT(table, COL_NEXT, i) = -1;
    AT(table, COL_SIZE, i) = 1;
    if (last_child[depth] >= 0) AT(table, COL_NEXT, last_child[depth]) = i;
    last_child[depth] = i;
    if (ts_tree_cursor_goto_first_child(&cursor)) {
      if (depth + 2 >= depth_capacity) {
        depth_capacity *= 2;
        int32_t *o = realloc(open, depth_capacity * sizeof(int32_t));
        if (!o) goto fail;
        open = o;
        int32_t *l = realloc(last_child, depth_capacity * sizeof(int32_t));
        if (!l) goto fail;
        last_child = l;
      }
      open[depth] = i;
      depth++;
      last_child[depth] = -1;
      continue;
    }
    bool done = false;
    while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
      if (depth == 0 || !ts_tree_cursor_goto_parent(&cursor)) {
        done = true;
        break;
      }
      depth--;
      int32_t parent = open[depth];
      AT(table, COL_SIZE, parent) = (int32_t)table->count - parent;
    }
    if (done) break;
  }
  while (depth > 0) {
    depth--;
    AT(table, COL_SIZE, open[depth]) = (int32_t)table->count - open[depth];
  }
  free(open);
  free(last_child);
  ts_tree_cursor_delete(&cursor);
  return true;
fail:
  free(open);
  free(last_child);
  ts_tree_cursor_delete(&cursor);
  return false;
}

// Copies the JavaScript string `value` as UTF-16 into a new buffer (the caller frees it). NULL, with an exception
// pending, when it is not a string or memory runs out.
static char16_t *copy_source(napi_env env, napi_value value, size_t *length) {
  if (napi_get_value_string_utf16(env, value, NULL, 0, length) != napi_ok) {
    napi_throw_type_error(env, NULL, "coze-loop flat tree: source must be a string");
    return NULL;
  }
  char16_t *text = malloc((*length + 1) * sizeof(char16_t));
  if (!text) {
    napi_throw_error(env, NULL, "coze-loop flat tree: out of memory");
    return NULL;
  }
  napi_get_value_string_utf16(env, value, text, *length + 1, length);
  return text;
}

// The timeout argument argv[index] in milliseconds (negative or absent: none).
static double timeout_arg(napi_env env, size_t argc, napi_value *argv, size_t index) {
  double timeout_ms = -1;
  napi_valuetype type;
  if (argc > index && napi_typeof(env, argv[index], &type) == napi_ok && type == napi_number) napi_get_value_double(env, argv[index], &timeout_ms);
  return timeout_ms;
}

// Parses UTF-16 text (reusing the edited `old` tree when given: an incremental parse) with a timeout in
// milliseconds from now; 0 means "already due" (the first progress check cancels, as with the binding's progress
// callback), negative means none. NULL when the deadline passed.
static TSTree *parse_text_until(TSParser *parser, const TSTree *old, const char16_t *text, size_t length, double timeout_ms, const volatile int *stop) {
  ParseLimits limits = {.deadline = timeout_ms >= 0 ? now_ns() + (uint64_t)(timeout_ms * 1e6) : 0, .stop = stop};
  TSParseOptions options = {.payload = &limits, .progress_callback = past_deadline};
  Source source = {.bytes = (const char *)text, .length = (uint32_t)(length * 2)};
  TSInput input = {.payload = &source, .read = read_source, .encoding = TSInputEncodingUTF16LE, .decode = NULL};
  TSTree *tree = ts_parser_parse_with_options(parser, old, input, options);
  // A cancelled parse would otherwise resume on the next call with a different input.
  ts_parser_reset(parser);
  return tree;
}

static TSTree *parse_text(TSParser *parser, const TSTree *old, const char16_t *text, size_t length, double timeout_ms) {
  return parse_text_until(parser, old, text, length, timeout_ms, NULL);
}

// The language of a (language, source, timeoutMs) call; NULL, with an exception pending, when it is not one.
static const TSLanguage *language_of_call(napi_env env, size_t argc, napi_value *argv) {
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "coze-loop flat tree: expected (language, source, timeoutMs)");
    return NULL;
  }
  const TSLanguage *language = language_arg(env, argv[0]);
  if (!language) napi_throw_type_error(env, NULL, "coze-loop flat tree: not a tree-sitter language");
  return language;
}

// Parses the JavaScript string argv[1] with the language argv[0] and the optional deadline argv[2] (milliseconds,
// negative: none). Returns NULL with *timed_out set when the deadline passed, NULL with a pending exception on
// bad arguments.
static TSTree *parse_args(napi_env env, size_t argc, napi_value *argv, bool *timed_out) {
  *timed_out = false;
  const TSLanguage *language = language_of_call(env, argc, argv);
  if (!language) return NULL;
  TSParser *parser = parser_for(env, language);
  if (!parser) return NULL;
  size_t length = 0;
  char16_t *text = copy_source(env, argv[1], &length);
  if (!text) return NULL;
  TSTree *tree = parse_text(parser, NULL, text, length, timeout_arg(env, argc, argv, 2));
  free(text);
  if (!tree) *timed_out = true;
  return tree;
}

// Moves the columns of a table next to each other (column c from c * capacity to c * count), in place.
static void compact(Table *table) {
  size_t n = table->count;
  for (int c = 1; c < COLUMNS; c++) memmove(table->data + c * n, table->data + c * table->capacity, n * sizeof(int32_t));
  table->capacity = n;
}

static void free_table(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

// { count, table: Int32Array, keptId } for a flattened table (taking ownership of the table and the tree). With
// `keep` false the tree is freed instead of kept (no keptId): a tree nobody will edit must not take a ring slot.
static napi_value flat_result(napi_env env, Table *table, TSTree *tree, bool keep) {
  napi_value result, buffer, array, count, id;
  size_t n = table->count;
  // The table's memory becomes the ArrayBuffer's (freed with it): no copy on the JavaScript thread.
  if (table->capacity != n) compact(table);
  if (n == 0 || napi_create_external_arraybuffer(env, table->data, n * COLUMNS * sizeof(int32_t), free_table, NULL, &buffer) != napi_ok) {
    // Fall back to a copy (external buffers can be refused by the runtime).
    void *bytes = NULL;
    if (napi_create_arraybuffer(env, n * COLUMNS * sizeof(int32_t), &bytes, &buffer) != napi_ok) {
      free(table->data);
      table->data = NULL;
      ts_tree_delete(tree);
      napi_throw_error(env, NULL, "coze-loop flat tree: out of memory");
      return NULL;
    }
    if (n > 0) memcpy(bytes, table->data, n * COLUMNS * sizeof(int32_t));
    free(table->data);
  }
  table->data = NULL;
  uint32_t kept = 0;
  if (keep) kept = keep_tree(env, tree);
  else ts_tree_delete(tree);
  CHECK(napi_create_typedarray(env, napi_int32_array, n * COLUMNS, buffer, 0, &array));
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_uint32(env, (uint32_t)n, &count));
  CHECK(napi_set_named_property(env, result, "count", count));
  CHECK(napi_set_named_property(env, result, "table", array));
  if (kept != 0) {
    CHECK(napi_create_uint32(env, kept, &id));
    CHECK(napi_set_named_property(env, result, "keptId", id));
  }
  return result;
}

// The synchronous entry points share their arguments: (language, source: string, timeoutMs: number).
//   parse     -> { count, table: Int32Array, keptId } | null (timed out)
//   hasErrors -> boolean | null (timed out): does the code parse with ERROR or MISSING nodes? For checks that need
//                nothing else of the tree (is a proposed fix valid code?).
static napi_value parse_sync(napi_env env, napi_callback_info info, bool flat) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool timed_out = false;
  TSTree *tree = parse_args(env, argc, argv, &timed_out);
  napi_value result;
  if (!tree) {
    if (!timed_out) return NULL;
    CHECK(napi_get_null(env, &result));
    return result;
  }
  if (!flat) {
    bool errors = ts_node_has_error(ts_tree_root_node(tree));
    ts_tree_delete(tree);
    CHECK(napi_get_boolean(env, errors, &result));
    return result;
  }
  Table table = {0};
  if (!flatten(tree, &table)) {
    ts_tree_delete(tree);
    free(table.data);
    napi_throw_error(env, NULL, "coze-loop flat tree: out of memory");
    return NULL;
  }
  return flat_result(env, &table, tree, true);
}

static napi_value parse(napi_env env, napi_callback_info info) {
  return parse_sync(env, info, true);
}

static napi_value has_errors(napi_env env, napi_callback_info info) {
  return parse_sync(env, info, false);
}

// ---- parsing off the JavaScript thread ----
// parseAsync(language, source, timeoutMs) -> Promise<{ count, table, keptId } | null>: the same as `parse`, with the
// parse and the flattening done on the environment's parse thread (ParseQueue, below; with a parser of its own), so
// that the JavaScript thread analyses one file while the next ones are parsed.

typedef struct ParseJob {
  struct ParseJob *next;  // in its queue (ParseQueue)
  napi_deferred deferred;
  const TSLanguage *language;
  char16_t *text;
  size_t length;
  double timeout_ms;
  TSTree *tree;
  Table table;
  bool failed;
  TreeBatch to_free;  // released trees this job frees before it parses
} ParseJob;

// Parsing ahead must not take the CPU from the JavaScript thread that waits on nothing: on a machine with few cores
// a thread woken for a parse used to preempt it (the queueing call then took milliseconds). When the process asked
// for it (useBatchScheduling, called by the CLI only), a thread that runs these jobs (a parse thread, or the libuv
// thread of a job that frees released trees) is marked SCHED_BATCH (Linux): same share of the CPU, but no preemption
// on wake-up. A service leaves it off: its libuv threads also do file, DNS and crypto work for requests.
static volatile int batch_scheduling = 0;

static void background_thread(void) {
#if defined(__linux__) && defined(SCHED_BATCH)
  static __thread int marked = 0;
  if (!marked && batch_scheduling) {
    marked = 1;
    struct sched_param param = {0};
    sched_setscheduler(0, SCHED_BATCH, &param);
  }
#endif
}

// useBatchScheduling(on: boolean) -> boolean: from now on, threads that run parse or free jobs are marked SCHED_BATCH
// (process-wide: every environment's parse thread, and the libuv pool the worker threads share). Returns whether the
// platform has SCHED_BATCH.
static napi_value use_batch_scheduling(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool on = false;
  if (argc > 0) napi_get_value_bool(env, argv[0], &on);
  batch_scheduling = on ? 1 : 0;
  napi_value result;
#if defined(__linux__) && defined(SCHED_BATCH)
  CHECK(napi_get_boolean(env, true, &result));
#else
  CHECK(napi_get_boolean(env, false, &result));
#endif
  return result;
}

// Parses one job on the calling thread, with a parser of its own; `stop`, when set, cancels it.
static void parse_job_run(ParseJob *job, const volatile int *stop) {
  free_batch(&job->to_free);
  TSParser *parser = ts_parser_new();
  if (!parser || !ts_parser_set_language(parser, job->language)) {
    if (parser) ts_parser_delete(parser);
    job->failed = true;
    return;
  }
  // The budget counts from when the parse starts, not from when the job was queued.
  job->tree = parse_text_until(parser, NULL, job->text, job->length, job->timeout_ms, stop);
  ts_parser_delete(parser);
  free(job->text);
  job->text = NULL;
  if (job->tree && !flatten(job->tree, &job->table)) {
    ts_tree_delete(job->tree);
    job->tree = NULL;
    free(job->table.data);
    job->table.data = NULL;
    job->failed = true;
    return;
  }
  if (job->tree && job->table.capacity != job->table.count) compact(&job->table);
}

static void free_job(ParseJob *job) {
  free(job->text);
  free(job->table.data);
  if (job->tree) ts_tree_delete(job->tree);
  free_batch(&job->to_free);
  free(job);
}

// Settles a parsed job's promise on the JavaScript thread and frees the job.
static void settle_job(napi_env env, ParseJob *job) {
  napi_value value = NULL;
  if (job->failed) {
    napi_value message, error;
    napi_create_string_utf8(env, "coze-loop flat tree: parse failed", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, job->deferred, error);
  } else if (!job->tree) {
    napi_get_null(env, &value);
    napi_resolve_deferred(env, job->deferred, value);
  } else {
    value = flat_result(env, &job->table, job->tree, true);
    job->tree = NULL;  // flat_result took the tree and the table
    if (value) {
      napi_resolve_deferred(env, job->deferred, value);
    } else {
      napi_value exception;
      napi_get_and_clear_last_exception(env, &exception);
      napi_reject_deferred(env, job->deferred, exception);
    }
  }
  free_job(job);
}

// One environment's parses run one after another on a thread of its own (made at the environment's first
// parseAsync), and each finished one is handed back to the JavaScript thread through a thread-safe function. Parsing
// ahead then holds one core beside each JavaScript thread, not as many as the libuv pool has threads (four parses at
// once took the CPU from the thread they were for), and a file's parse starts as soon as the one before it ends,
// without waiting for the JavaScript thread to queue it. The thread is not libuv's: an environment that goes away (a
// worker thread terminated by a deadline) does not wait for the parses still queued; its cleanup hook tells the
// thread to stop after the parse at hand, and whichever of the two lets go of the queue last frees it.
struct ParseQueue {
  uv_mutex_t lock;
  uv_cond_t more;
  ParseJob *head, *tail;            // queued, not started
  ParseJob *done_head, *done_tail;  // parsed, not yet settled
  bool closing;                     // the environment is going away
  volatile int stop;                // closing, read by the parse at hand without the lock
  int refs;                         // the environment and the thread
  uint32_t pending;                 // queued or parsed, not settled (JavaScript thread only)
  napi_threadsafe_function wake;
  uv_thread_t thread;
};

// Appends `job` to the list from `*head` to `*tail` (the caller holds the queue's lock).
static void append_job(ParseJob **head, ParseJob **tail, ParseJob *job) {
  if (*tail) (*tail)->next = job;
  else *head = job;
  *tail = job;
}

static void drop_queue(ParseQueue *queue) {
  uv_mutex_lock(&queue->lock);
  bool last = --queue->refs == 0;
  uv_mutex_unlock(&queue->lock);
  if (!last) return;
  for (ParseJob *job = queue->head, *next; job; job = next) next = job->next, free_job(job);
  for (ParseJob *job = queue->done_head, *next; job; job = next) next = job->next, free_job(job);
  uv_cond_destroy(&queue->more);
  uv_mutex_destroy(&queue->lock);
  free(queue);
}

// Settles the parsed jobs (JavaScript thread). While any parse is unsettled the wake-up function keeps the event
// loop alive, as a libuv request would; with none it lets the process exit.
static void settle_done(napi_env env, ParseQueue *queue) {
  uv_mutex_lock(&queue->lock);
  ParseJob *job = queue->closing ? NULL : queue->done_head;
  if (job) queue->done_head = queue->done_tail = NULL;
  uv_mutex_unlock(&queue->lock);
  for (ParseJob *next; job; job = next) {
    next = job->next;
    settle_job(env, job);
    if (--queue->pending == 0) napi_unref_threadsafe_function(env, queue->wake);
  }
}

static void wake_js(napi_env env, napi_value callback, void *context, void *data) {
  (void)callback;
  (void)data;
  if (env) settle_done(env, (ParseQueue *)context);
}

// The environment is going away (registered after the thread-safe function, so it runs before that is torn down):
// the parse at hand is cancelled and the thread is waited for, as the grammars' code and this module's may be
// unloaded with the environment (a terminated worker thread's), and it calls nothing back.
static void close_queue(void *data) {
  ParseQueue *queue = (ParseQueue *)data;
  uv_mutex_lock(&queue->lock);
  bool running = !queue->closing;
  queue->closing = true;
  queue->stop = 1;
  uv_cond_broadcast(&queue->more);
  uv_mutex_unlock(&queue->lock);
  if (running) uv_thread_join(&queue->thread);
  drop_queue(queue);
}

static void parse_thread(void *data) {
  ParseQueue *queue = (ParseQueue *)data;
  for (;;) {
    uv_mutex_lock(&queue->lock);
    while (!queue->closing && !queue->head) uv_cond_wait(&queue->more, &queue->lock);
    ParseJob *job = queue->closing ? NULL : queue->head;
    if (job) {
      queue->head = job->next;
      if (!queue->head) queue->tail = NULL;
    }
    uv_mutex_unlock(&queue->lock);
    if (!job) break;
    job->next = NULL;
    background_thread();
    parse_job_run(job, &queue->stop);
    uv_mutex_lock(&queue->lock);
    if (queue->closing) {
      uv_mutex_unlock(&queue->lock);
      free_job(job);
      break;
    }
    append_job(&queue->done_head, &queue->done_tail, job);
    napi_call_threadsafe_function(queue->wake, NULL, napi_tsfn_nonblocking);
    uv_mutex_unlock(&queue->lock);
  }
  drop_queue(queue);
}

// This environment's parse queue and its thread, made at its first parseAsync; NULL (with an exception pending)
// when they cannot be.
static ParseQueue *queue_of(napi_env env, Parsers *parsers) {
  if (parsers->queue) return parsers->queue;
  ParseQueue *queue = calloc(1, sizeof(ParseQueue));
  if (!queue) {
    napi_throw_error(env, NULL, "coze-loop flat tree: out of memory");
    return NULL;
  }
  if (uv_mutex_init(&queue->lock) != 0) {
    free(queue);
    napi_throw_error(env, NULL, "coze-loop flat tree: cannot make a lock");
    return NULL;
  }
  if (uv_cond_init(&queue->more) != 0) {
    uv_mutex_destroy(&queue->lock);
    free(queue);
    napi_throw_error(env, NULL, "coze-loop flat tree: cannot make a condition variable");
    return NULL;
  }
  napi_value name;
  if (napi_create_string_utf8(env, "coze-loop:parsed", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, queue, wake_js, &queue->wake) != napi_ok) {
    uv_cond_destroy(&queue->more);
    uv_mutex_destroy(&queue->lock);
    free(queue);
    napi_throw_error(env, NULL, "coze-loop flat tree: N-API call failed: napi_create_threadsafe_function");
    return NULL;
  }
  napi_unref_threadsafe_function(env, queue->wake);
  // One reference for the environment (dropped by close_queue), one for the thread (dropped as it ends).
  queue->refs = 2;
  if (uv_thread_create(&queue->thread, parse_thread, queue) != 0) {
    queue->refs = 1;
    queue->closing = true;  // kept, unused: parseAsync then fails at once (below)
  }
  if (napi_add_env_cleanup_hook(env, close_queue, queue) != napi_ok) {
    napi_throw_error(env, NULL, "coze-loop flat tree: N-API call failed: napi_add_env_cleanup_hook");
    return NULL;
  }
  parsers->queue = queue;
  return queue;
}

static napi_value parse_async(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const TSLanguage *language = language_of_call(env, argc, argv);
  if (!language) return NULL;
  Parsers *parsers = parsers_of(env);
  if (!parsers) {
    napi_throw_error(env, NULL, "coze-loop flat tree: no instance data");
    return NULL;
  }
  ParseQueue *queue = queue_of(env, parsers);
  if (!queue) return NULL;
  if (queue->closing) {
    napi_throw_error(env, NULL, "coze-loop flat tree: no parse thread");
    return NULL;
  }
  ParseJob *job = calloc(1, sizeof(ParseJob));
  if (!job) {
    napi_throw_error(env, NULL, "coze-loop flat tree: out of memory");
    return NULL;
  }
  job->language = language;
  job->timeout_ms = timeout_arg(env, argc, argv, 2);
  job->text = copy_source(env, argv[1], &job->length);
  if (!job->text) {
    free(job);
    return NULL;
  }
  napi_value promise;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
    free_job(job);
    napi_throw_error(env, NULL, "coze-loop flat tree: N-API call failed: napi_create_promise");
    return NULL;
  }
  job->to_free = parsers->released;
  parsers->released.count = 0;
  if (queue->pending++ == 0) napi_ref_threadsafe_function(env, queue->wake);
  uv_mutex_lock(&queue->lock);
  append_job(&queue->head, &queue->tail, job);
  uv_cond_signal(&queue->more);
  uv_mutex_unlock(&queue->lock);
  return promise;
}

typedef struct {
  napi_async_work work;
  TreeBatch trees;
} DeleteJob;

static void delete_job_execute(napi_env env, void *data) {
  (void)env;
  background_thread();
  free_batch(&((DeleteJob *)data)->trees);
}

static void delete_job_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  DeleteJob *job = (DeleteJob *)data;
  free_batch(&job->trees);
  napi_delete_async_work(env, job->work);
  free(job);
}

// release(keptId): the analysis of a kept tree's file is over. The tree joins the released ones, which the next
// parse job frees on the parse thread; when RELEASED of them wait, a job of their own frees them on a libuv thread.
static napi_value release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t id = 0;
  if (argc > 0) napi_get_value_uint32(env, argv[0], &id);
  TSTree **slot = kept_slot(env, id);
  Parsers *parsers = parsers_of(env);
  if (!slot || !parsers) return NULL;
  TreeBatch *released = &parsers->released;
  released->trees[released->count++] = *slot;
  *slot = NULL;
  if (released->count == RELEASED) {
    DeleteJob *job = calloc(1, sizeof(DeleteJob));
    if (job) job->trees = *released;
    if (!job || queue_work(env, "coze-loop:release", delete_job_execute, delete_job_complete, job, &job->work) != napi_ok) {
      free_batch(released);
      free(job);
    }
    released->count = 0;
  }
  return NULL;
}

// hasErrorsAfterEdit(keptId, source: string, startIndex, oldEndIndex, newEndIndex, startRow, startColumn,
// oldEndRow, oldEndColumn, newEndRow, newEndColumn) -> boolean | null: re-parses `source` (the kept tree's source
// with one range replaced; indices and columns in UTF-16 code units) incrementally, reusing the kept tree, and says
// whether the result has ERROR or MISSING nodes. The kept tree is not modified (an edited copy is parsed). null
// when `keptId` is no longer the kept tree (the caller then parses from scratch).
// parseAfterEdit(the same 11 arguments, timeoutMs) -> { count, table } | null: the same incremental parse, flattened
// as `parse` returns it (the new tree is not kept); null when `keptId` is no longer kept or the deadline passed.
static napi_value reparse_edited(napi_env env, napi_callback_info info, bool flat) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 11) {
    napi_throw_type_error(env, NULL, "expected (handle, source, 9 edit numbers)");
    return NULL;
  }
  uint32_t id = 0;
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  napi_value result;
  TSTree *kept = kept_tree(env, id);
  if (!kept) {
    CHECK(napi_get_null(env, &result));
    return result;
  }
  uint32_t numbers[9];
  for (int i = 0; i < 9; i++) CHECK(napi_get_value_uint32(env, argv[2 + i], &numbers[i]));
  TSInputEdit edit = {
      .start_byte = numbers[0] * 2,
      .old_end_byte = numbers[1] * 2,
      .new_end_byte = numbers[2] * 2,
      .start_point = {numbers[3], numbers[4] * 2},
      .old_end_point = {numbers[5], numbers[6] * 2},
      .new_end_point = {numbers[7], numbers[8] * 2},
  };
  const TSLanguage *language = ts_tree_language(kept);
  TSParser *parser = parser_for(env, language);
  if (!parser) return NULL;
  size_t length = 0;
  char16_t *text = copy_source(env, argv[1], &length);
  if (!text) return NULL;
  TSTree *old = ts_tree_copy(kept);
  ts_tree_edit(old, &edit);
  TSTree *tree = parse_text(parser, old, text, length, flat ? timeout_arg(env, argc, argv, 11) : -1);
  free(text);
  ts_tree_delete(old);
  if (!tree) {
    if (flat) {
      CHECK(napi_get_null(env, &result));
      return result;
    }
    napi_throw_error(env, NULL, "coze-loop flat tree: tree-sitter returned no tree");
    return NULL;
  }
  if (flat) {
    Table table = {0};
    if (!flatten(tree, &table)) {
      ts_tree_delete(tree);
      free(table.data);
      napi_throw_error(env, NULL, "coze-loop flat tree: out of memory");
      return NULL;
    }
    return flat_result(env, &table, tree, false);
  }
  bool errors = ts_node_has_error(ts_tree_root_node(tree));
  ts_tree_delete(tree);
  CHECK(napi_get_boolean(env, errors, &result));
  return result;
}

static napi_value has_errors_after_edit(napi_env env, napi_callback_info info) {
  return reparse_edited(env, info, false);
}

static napi_value parse_after_edit(napi_env env, napi_callback_info info) {
  return reparse_edited(env, info, true);
}

// names(language) -> { symbols: string[], fields: (string | null)[] }: type names by symbol id, field names by id.
static napi_value names(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const TSLanguage *language = argc > 0 ? language_arg(env, argv[0]) : NULL;
  if (!language) {
    napi_throw_type_error(env, NULL, "coze-loop flat tree: not a tree-sitter language");
    return NULL;
  }
  uint32_t symbol_count = ts_language_symbol_count(language);
  uint32_t field_count = ts_language_field_count(language);
  napi_value symbols, fields, result;
  CHECK(napi_create_array_with_length(env, symbol_count, &symbols));
  for (uint32_t s = 0; s < symbol_count; s++) {
    const char *name = ts_language_symbol_name(language, (TSSymbol)s);
    napi_value value;
    CHECK(napi_create_string_utf8(env, name ? name : "", NAPI_AUTO_LENGTH, &value));
    CHECK(napi_set_element(env, symbols, s, value));
  }
  CHECK(napi_create_array_with_length(env, field_count + 1, &fields));
  for (uint32_t f = 0; f <= field_count; f++) {
    const char *name = f == 0 ? NULL : ts_language_field_name_for_id(language, (TSFieldId)f);
    napi_value value;
    if (name) CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &value));
    else CHECK(napi_get_null(env, &value));
    CHECK(napi_set_element(env, fields, f, value));
  }
  CHECK(napi_create_object(env, &result));
  CHECK(napi_set_named_property(env, result, "symbols", symbols));
  CHECK(napi_set_named_property(env, result, "fields", fields));
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  Parsers *parsers = calloc(1, sizeof(Parsers));
  if (!parsers || napi_set_instance_data(env, parsers, free_parsers, NULL) != napi_ok) return NULL;
  if (napi_create_function(env, "parse", NAPI_AUTO_LENGTH, parse, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "parse", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "names", NAPI_AUTO_LENGTH, names, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "names", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "hasErrors", NAPI_AUTO_LENGTH, has_errors, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "hasErrors", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "hasErrorsAfterEdit", NAPI_AUTO_LENGTH, has_errors_after_edit, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "hasErrorsAfterEdit", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "parseAfterEdit", NAPI_AUTO_LENGTH, parse_after_edit, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "parseAfterEdit", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "parseAsync", NAPI_AUTO_LENGTH, parse_async, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "parseAsync", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "release", NAPI_AUTO_LENGTH, release, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "release", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "useBatchScheduling", NAPI_AUTO_LENGTH, use_batch_scheduling, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "useBatchScheduling", fn) != napi_ok) return NULL;
  return exports;
}
