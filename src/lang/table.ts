/**
 * The language table: one entry per language the judge compiles and runs. It is data — `languages`, the README's
 * table, docs/languages.md and --help are made from it — and adding a language is one entry here and its tests.
 *
 * Words in an argv or an environment value:
 *   {src}     the source's file name in the build directory (main.cpp, or Main.java after its class)
 *   {class}   Java's main class, found in the source (resolve.ts)
 *   {dir}     the absolute directory the artefact runs from (a fresh copy per judge)
 *   {build}   the absolute build directory (compile only)
 *   {memory}  the run's memory limit in MiB (whole)
 * A compile runs in the build directory (its cwd), so relative names there are the build's files.
 *
 * Toolchains are looked up in the sandbox's PATH (/usr/local/bin:/usr/bin:/bin), never the runner's: what compiles
 * a submission does not depend on who started the judge. Versions as Debian 12 ships them; see docs/languages.md.
 */

export interface ToolSpec {
  /** Names tried in order in each PATH directory. */
  readonly names: readonly string[];
  /** The Debian package that installs it (the message for a missing toolchain names it). */
  readonly package: string;
  /** The argv after the tool that prints its version (on stdout or stderr; the first line is shown). */
  readonly version: readonly string[];
}

export interface LanguageDef {
  /** The name --lang takes and reports show. */
  readonly name: string;
  /** Other names --lang accepts. */
  readonly aliases: readonly string[];
  /** What people call it, with the toolchain. */
  readonly title: string;
  /** File extensions (lower case, with the dot) that mean this language without --lang. */
  readonly extensions: readonly string[];
  /** Required: tested in CI on every machine; the others are tested where their toolchain is installed. */
  readonly required: boolean;
  /** The source's name in the build directory; `{class}` for Java. */
  readonly source: string;
  /** The compiler (or the syntax checker of an interpreted language). */
  readonly compiler: ToolSpec;
  /** Its arguments. */
  readonly compile: readonly string[];
  /** Environment of the compile, beyond PATH, HOME={build} and TMPDIR={build}. */
  readonly compileEnv?: Readonly<Record<string, string>>;
  /** What the compile leaves that the run needs: file names or `*.EXT` patterns in the build directory. */
  readonly artefacts: readonly string[];
  /** The runtime that runs the artefact; absent: the artefact `main` is itself the program. */
  readonly runtime?: ToolSpec;
  /** Arguments of the runtime (or of the artefact when there is no runtime), before the program's own. */
  readonly run: readonly string[];
  /** Environment of the run, added to the run's (the judge's `env`, or the engine's default). */
  readonly runEnv?: Readonly<Record<string, string>>;
  /** Processes and threads the runtime needs at least (the run gets the larger of this and the judge's). */
  readonly processes: number;
  /**
   * What the runtime prints on stderr when an allocation failed: a run that ended in RE with it is MLE (a JVM's
   * OutOfMemoryError, Go's and Node's fatal allocation errors), as every judge counts it.
   */
  readonly outOfMemory?: RegExp;
  /** Why these settings, for docs/languages.md. */
  readonly notes: string;
}

const GCC = { names: ['gcc'], package: 'gcc', version: ['--version'] } as const;
const GXX = { names: ['g++'], package: 'g++', version: ['--version'] } as const;
const JAVA = { names: ['java'], package: 'default-jdk-headless', version: ['-version'] } as const;

/** The JVM's run flags (Java and Kotlin): DMOJ's and AtCoder's, heap at the memory limit. */
const JVM_RUN = ['-XX:+UseSerialGC', '-XX:-UsePerfData', '-Xss64m', '-Xmx{memory}m'];
const JVM_NOTES = 'The heap is capped at the memory limit (-Xmx) and the Java thread stack is 64 MiB (deep recursion). '
  + 'SerialGC keeps the JVM to one collector thread and its CPU time honest; the JVM still starts about 20 threads, '
  + 'hence 64 processes. An OutOfMemoryError is MLE.';

export const LANGUAGES: readonly LanguageDef[] = [
  {
    name: 'c', aliases: ['c17', 'gcc'], title: 'C17 (gcc)', extensions: ['.c'], required: true,
    source: 'main.c', compiler: GCC,
    compile: ['-std=c17', '-O2', '-pipe', '-DONLINE_JUDGE', '-o', 'main', 'main.c', '-lm'],
    artefacts: ['main'], run: [], processes: 1,
    notes: 'As DMOJ, Hydro and AtCoder compile C: C17, -O2, the maths library, ONLINE_JUDGE defined.',
  },
  {
    name: 'cpp', aliases: ['c++', 'cxx', 'g++', 'cpp20'], title: 'C++20 (g++)', extensions: ['.cpp', '.cc', '.cxx', '.c++'],
    required: true, source: 'main.cpp', compiler: GXX,
    compile: ['-std=c++20', '-O2', '-pipe', '-DONLINE_JUDGE', '-o', 'main', 'main.cpp'],
    artefacts: ['main'], run: [], processes: 1, outOfMemory: /std::bad_alloc/,
    notes: 'C++20 and -O2 as AtCoder and Codeforces; bits/stdc++.h works. An uncaught std::bad_alloc is MLE.',
  },
  {
    name: 'rust', aliases: ['rs', 'rustc'], title: 'Rust 2021 (rustc)', extensions: ['.rs'], required: true,
    source: 'main.rs', compiler: { names: ['rustc'], package: 'rustc', version: ['--version'] },
    compile: ['--edition=2021', '-O', '-o', 'main', 'main.rs'],
    artefacts: ['main'], run: [], processes: 1, outOfMemory: /memory allocation of \d+ bytes failed/,
    notes: 'A single file, no crates (as most judges). rustc runs LLVM in threads: the compile sandbox allows them.',
  },
  {
    name: 'go', aliases: ['golang'], title: 'Go (go build)', extensions: ['.go'], required: true,
    source: 'main.go', compiler: { names: ['go'], package: 'golang-go', version: ['version'] },
    compile: ['build', '-o', 'main', 'main.go'],
    // GOPATH mode, no module download, no cgo (a static binary, no gcc at compile time), caches in the build dir.
    compileEnv: {
      GO111MODULE: 'off', GOPROXY: 'off', GOFLAGS: '', CGO_ENABLED: '0', GOCACHE: '{build}/.cache',
      GOPATH: '{build}/.gopath', GOTOOLCHAIN: 'local', GOTELEMETRY: 'off',
    },
    artefacts: ['main'], run: [], runEnv: { GOMAXPROCS: '1' }, processes: 16,
    outOfMemory: /fatal error: runtime: out of memory|runtime: cannot allocate memory/,
    notes: 'GOMAXPROCS=1: the runtime then starts a handful of threads whatever the machine\'s cores (16 allowed), and '
      + 'CPU time is one core\'s, as for the other languages. Go\'s fatal out-of-memory error is MLE.',
  },
  {
    name: 'java', aliases: ['java17'], title: 'Java (OpenJDK javac + java)', extensions: ['.java'], required: true,
    source: '{class}.java', compiler: { names: ['javac'], package: 'default-jdk-headless', version: ['-version'] },
    compile: ['-J-XX:-UsePerfData', '-J-XX:+UseSerialGC', '-J-Xms64m', '-encoding', 'UTF-8', '-d', '.', '{src}'],
    artefacts: ['*.class'], runtime: JAVA, run: [...JVM_RUN, '-cp', '{dir}', '{class}'], processes: 64,
    outOfMemory: /java\.lang\.OutOfMemoryError/,
    notes: `The class to run is the public class of the file (or the class that declares main), so the file may have any name. ${JVM_NOTES}`,
  },
  {
    name: 'python3', aliases: ['python', 'py', 'py3', 'cpython'], title: 'Python 3 (CPython)', extensions: ['.py'], required: true,
    source: 'main.py', compiler: { names: ['python3'], package: 'python3', version: ['--version'] },
    compile: ['-m', 'py_compile', 'main.py'], artefacts: ['main.py'],
    runtime: { names: ['python3'], package: 'python3', version: ['--version'] }, run: ['{dir}/main.py'], processes: 1,
    outOfMemory: /^MemoryError/m,
    notes: 'A syntax error is CE: the source is compiled (py_compile) without running it, as Hydro does.',
  },
  {
    name: 'pypy3', aliases: ['pypy'], title: 'Python 3 (PyPy)', extensions: [], required: true,
    source: 'main.py', compiler: { names: ['pypy3'], package: 'pypy3', version: ['--version'] },
    compile: ['-m', 'py_compile', 'main.py'], artefacts: ['main.py'],
    runtime: { names: ['pypy3'], package: 'pypy3', version: ['--version'] }, run: ['{dir}/main.py'], processes: 1,
    outOfMemory: /^MemoryError/m,
    notes: '`.py` means python3: PyPy is chosen with --lang pypy3. A syntax error is CE, as for python3.',
  },
  {
    name: 'javascript', aliases: ['js', 'node', 'nodejs'], title: 'JavaScript (Node.js)', extensions: ['.js', '.cjs'], required: true,
    source: 'main.js', compiler: { names: ['node'], package: 'nodejs', version: ['--version'] },
    compile: ['--check', 'main.js'], artefacts: ['main.js'],
    runtime: { names: ['node'], package: 'nodejs', version: ['--version'] },
    run: ['--max-old-space-size={memory}', '--stack-size=65500', '{dir}/main.js'], processes: 16,
    outOfMemory: /JavaScript heap out of memory|Allocation failed/,
    notes: 'A syntax error is CE (node --check). V8\'s heap is capped at the memory limit, so running out of it is a '
      + 'clean fatal error (MLE); the stack is raised for deep recursion. Node starts about 10 threads (16 allowed).',
  },
  {
    name: 'csharp', aliases: ['cs', 'c#', 'mono'], title: 'C# (Mono)', extensions: ['.cs'], required: false,
    source: 'main.cs', compiler: { names: ['mcs'], package: 'mono-mcs', version: ['--version'] },
    compile: ['-optimize+', '-out:main.exe', 'main.cs'], compileEnv: { MONO_LOG_DEST: '/dev/null' }, artefacts: ['main.exe'],
    runtime: { names: ['mono'], package: 'mono-runtime', version: ['--version'] }, run: ['{dir}/main.exe'],
    runEnv: { MONO_LOG_DEST: '/dev/null' }, processes: 32, outOfMemory: /OutOfMemoryException/,
    notes: 'As DMOJ: mcs -optimize+, run by mono. Mono\'s own log goes to /dev/null: it warns on stdout when it may not '
      + 'raise a thread\'s priority (the filter refuses sched_setscheduler on a pid other than 0), which would be taken '
      + 'as the program\'s output. An OutOfMemoryException is MLE.',
  },
  {
    name: 'pascal', aliases: ['fpc', 'pas'], title: 'Pascal (Free Pascal)', extensions: ['.pas', '.pp'], required: false,
    source: 'main.pas', compiler: { names: ['fpc'], package: 'fp-compiler', version: ['-iV'] },
    compile: ['-O2', '-XS', '-omain', 'main.pas'], artefacts: ['main'], run: [], processes: 1,
    notes: 'fpc -O2, linked static (-XS).',
  },
  {
    name: 'haskell', aliases: ['hs', 'ghc'], title: 'Haskell (GHC)', extensions: ['.hs'], required: false,
    source: 'main.hs', compiler: { names: ['ghc'], package: 'ghc', version: ['--version'] },
    compile: ['-O2', '-o', 'main', 'main.hs'], artefacts: ['main'], run: [], processes: 1,
    outOfMemory: /heap overflow/,
    notes: 'ghc -O2; the non-threaded runtime needs no extra thread.',
  },
  {
    name: 'kotlin', aliases: ['kt'], title: 'Kotlin (kotlinc, run by the JVM)', extensions: ['.kt'], required: false,
    source: 'main.kt', compiler: { names: ['kotlinc'], package: 'kotlin', version: ['-version'] },
    compile: ['-J-XX:-UsePerfData', 'main.kt', '-include-runtime', '-d', 'main.jar'], artefacts: ['main.jar'],
    runtime: JAVA, run: [...JVM_RUN, '-jar', '{dir}/main.jar'], processes: 64, outOfMemory: /java\.lang\.OutOfMemoryError/,
    notes: `kotlinc builds a jar with the Kotlin runtime in it. ${JVM_NOTES}`,
  },
  {
    name: 'ruby', aliases: ['rb'], title: 'Ruby', extensions: ['.rb'], required: false,
    source: 'main.rb', compiler: { names: ['ruby'], package: 'ruby', version: ['--version'] },
    compile: ['-c', 'main.rb'], artefacts: ['main.rb'],
    runtime: { names: ['ruby'], package: 'ruby', version: ['--version'] }, run: ['{dir}/main.rb'], processes: 4,
    outOfMemory: /NoMemoryError|failed to allocate memory/,
    notes: 'A syntax error is CE (ruby -c). Ruby starts a timer thread: 4 processes allowed.',
  },
  {
    name: 'php', aliases: [], title: 'PHP (CLI)', extensions: ['.php'], required: false,
    source: 'main.php', compiler: { names: ['php'], package: 'php-cli', version: ['--version'] },
    compile: ['-l', 'main.php'], artefacts: ['main.php'],
    runtime: { names: ['php'], package: 'php-cli', version: ['--version'] },
    run: ['-d', 'memory_limit=-1', '{dir}/main.php'], processes: 1, outOfMemory: /Out of memory|Allowed memory size/,
    notes: 'A syntax error is CE (php -l). PHP\'s own memory_limit is off: the sandbox\'s limit is the one that counts.',
  },
  {
    name: 'lua', aliases: ['lua5.4'], title: 'Lua 5.4', extensions: ['.lua'], required: false,
    source: 'main.lua', compiler: { names: ['luac5.4', 'luac'], package: 'lua5.4', version: ['-v'] },
    compile: ['-p', 'main.lua'], artefacts: ['main.lua'],
    runtime: { names: ['lua5.4', 'lua'], package: 'lua5.4', version: ['-v'] }, run: ['{dir}/main.lua'], processes: 1,
    outOfMemory: /not enough memory/,
    notes: 'A syntax error is CE (luac -p parses without writing anything).',
  },
];
