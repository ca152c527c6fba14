# The neuroai CLI: --help, JSON output, and clear errors for bad input.
function(run_neuroai out_var rc_var)
  execute_process(COMMAND ${NEUROAI} ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  set(${out_var} "${out}${err}" PARENT_SCOPE)
  set(${rc_var} ${rc} PARENT_SCOPE)
endfunction()

# expect(<message> <condition...>): the condition words come after the message.
macro(expect message)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "${message}")
  endif()
endmacro()

run_neuroai(out rc --help)
expect("neuroai --help failed: ${out}" rc EQUAL 0)
string(FIND "${out}" "bench gemm" pos)
expect("--help does not list 'bench gemm': ${out}" pos GREATER -1)

run_neuroai(out rc bench gemm --sizes 32,48 --repeats 1 --json)
expect("bench gemm --json failed: ${out}" rc EQUAL 0)
string(JSON n GET "${out}" results 1 n)
string(JSON gflops GET "${out}" results 1 gflops)
expect("bench gemm: unexpected JSON ${out}" n EQUAL 48)
expect("bench gemm: non-positive GFLOP/s ${out}" gflops GREATER 0)

run_neuroai(out rc train spiral --steps 20 --json)
expect("train spiral failed: ${out}" rc EQUAL 0)
string(JSON steps GET "${out}" steps)
string(JSON nlosses LENGTH "${out}" losses)
expect("train spiral: unexpected JSON ${out}" steps EQUAL 20 AND nlosses EQUAL 20)

run_neuroai(out rc train spiral --steps abc)
expect("a bad --steps must fail with status 2" rc EQUAL 2)
string(FIND "${out}" "--steps: expected an integer, got 'abc'" pos)
expect("bad --steps message: ${out}" pos GREATER -1)

run_neuroai(out rc bench gemm --bogus 1)
string(FIND "${out}" "unknown option --bogus" pos)
expect("unknown option message: ${out}" rc EQUAL 2 AND pos GREATER -1)

run_neuroai(out rc frobnicate)
string(FIND "${out}" "unknown command 'frobnicate'" pos)
expect("unknown command message: ${out}" rc EQUAL 2 AND pos GREATER -1)
