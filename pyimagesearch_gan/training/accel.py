"""How a run uses the machine: XLA, mixed precision and tf.distribute strategies.

XLA (`--jit-compile`; measurements in docs/speed.md): "auto", the default, compiles the
optimizer updates with XLA (it fuses Adam's dozen elementwise passes into one) and leaves
the step itself to Keras' choice: XLA on GPU, not on CPU, where oneDNN's convolutions beat
XLA's and the graph's independent ops (several class GANs) run in parallel.
"on" compiles the whole step, "off" nothing. Threads (`--intra-op-threads`): several class
GANs in one step on CPU run one thread per op and one op per core (their graphs are
independent); a single GAN keeps TensorFlow's pools.

GPU path: `--mixed-precision` sets the Keras policy mixed_float16 before the models are
built (layers compute in float16, keep float32 weights), puts each network's output layer
back in float32 (sigmoid/tanh/softmax), and wraps the optimizers in LossScaleOptimizer.
`--strategy mirrored` trains on every GPU of one machine (MirroredStrategy): the global batch
`--batch-size` is split between the replicas, each replica draws the global batch's noise and
keeps its slice, and gradients are summed over replicas (Keras losses come divided by the
replica count, so the sum is the global mean's gradient). BatchNormalization statistics are
per replica. `--strategy multiworker` uses MultiWorkerMirroredStrategy across machines: start
the same command on every machine with its own TF_CONFIG and its own `--output`; worker 0
(the chief) holds the run.
"""

import contextlib
import functools
import os

import keras
import tensorflow as tf
from keras.src.optimizers.base_optimizer import BaseOptimizer

from pyimagesearch_gan.errors import UserError

STRATEGIES = ("default", "mirrored", "multiworker")


def optimizer_update(optimizer, variables, xla=True):
    """`optimizer.apply(grads, variables)` as a function of `grads`, XLA-compiled when `xla`.

    Adam's update is a dozen elementwise passes over every weight; TensorFlow runs them one by
    one, XLA fuses them into one loop. In a run the XLA function is one for every optimizer of
    the same settings and weight shapes (`shared_updates`: the class GANs share it), so it is
    traced and compiled once, not once per class. Under a tf.distribute strategy `apply` sums
    gradients across replicas, which cannot run inside an XLA function: there the plain update
    is used.
    """

    def plain(grads):
        optimizer.apply(grads, variables)

    if not xla:
        return plain
    compiled = shared_update(optimizer, variables)

    def update(grads):
        if tf.distribute.has_strategy():
            return plain(grads)
        if compiled.shared:  # this optimizer's TensorFlow variables, updated in place
            compiled([v.value for v in optimizer.variables], list(grads), [v.value for v in variables])
        else:
            compiled(grads)

    update.compiled = compiled
    return update


SHARED_UPDATES = None  # while `shared_updates()` holds: (settings, shapes) -> the XLA update they share


@contextlib.contextmanager
def shared_updates():
    """Optimizers compiled in here share their XLA update with every other one of the same
    type, settings and weight shapes (the class GANs of a run): it is traced and compiled once,
    not once per class. The sharing ends with the block, so optimizers of another run, another
    strategy or another model never use it."""
    global SHARED_UPDATES
    previous, SHARED_UPDATES = SHARED_UPDATES, {}
    try:
        yield
    finally:
        SHARED_UPDATES = previous


def shared_update(optimizer, variables):
    """The XLA function of `optimizer`'s update. Inside `shared_updates()` it is one for every
    optimizer alike (`fn.shared`): a function of each one's state, gradients and weights (its
    TensorFlow variables, which a tf.function takes by shape, so it is traced once), computing
    with `stateless_apply` of the first of them and assigning in place. Outside it, and for a
    LossScaleOptimizer (its scale is state the update branches on), each optimizer gets its
    own function of its gradients."""
    if SHARED_UPDATES is None or isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        compiled = tf.function(lambda grads: optimizer.apply(grads, variables), jit_compile=True)
        compiled.shared = False
        return compiled
    settings = {k: v for k, v in optimizer.get_config().items() if k != "name"}
    key = (
        type(optimizer).__name__,
        repr(sorted(settings.items())),
        tuple((tuple(v.shape), str(v.dtype)) for v in [*variables, *optimizer.variables]),
    )
    if key not in SHARED_UPDATES:
        compiled = tf.function(functools.partial(apply_in_place, optimizer), jit_compile=True)
        compiled.shared = True
        SHARED_UPDATES[key] = compiled
    return SHARED_UPDATES[key]


def apply_in_place(template, state, grads, weights):
    """`template`'s update of the variables `state` and `weights` (of another optimizer alike):
    Keras' own stateless update on their values, assigned back. (Its TensorFlow subclass refuses
    `stateless_apply` for tf.distribute's sake; this runs only outside a strategy.)"""
    new_weights, new_state = BaseOptimizer.stateless_apply(template, state, grads, weights)
    for variable, value in zip([*weights, *state], [*new_weights, *new_state]):
        variable.assign(value)


def intra_op_threads(devices, concurrent):
    """Threads per op for a run (0 = TensorFlow's choice).

    Several class GANs in one step on CPU: one thread per op and one op per core (the class
    graphs are independent), faster than TensorFlow's default of every op on every core
    (docs/speed.md). A single GAN keeps TensorFlow's choice.
    """
    if devices.intra_op_threads:
        return devices.intra_op_threads
    return 1 if concurrent and not tf.config.list_physical_devices("GPU") else 0


def set_threads(devices, concurrent):
    """Apply `intra_op_threads` (with an inter-op thread per core); only takes effect before
    TensorFlow runs its first op. Returns the intra-op threads in use (0 = TensorFlow's)."""
    threads = intra_op_threads(devices, concurrent)
    if threads:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(max(2, os.cpu_count() or 1))
        except RuntimeError:
            pass  # TensorFlow already runs (tests, notebooks): its pools stay
    return tf.config.threading.get_intra_op_parallelism_threads()


def set_precision(mixed_precision):
    """The global Keras dtype policy for the models built next."""
    keras.mixed_precision.set_dtype_policy("mixed_float16" if mixed_precision else "float32")


def float32_outputs(model):
    """Run the layers that produce `model`'s outputs in float32 (the Keras mixed-precision rule
    for the final sigmoid/tanh/softmax); a no-op under the float32 policy."""
    if (
        model.dtype_policy.compute_dtype == "float32"
        and keras.mixed_precision.dtype_policy().compute_dtype == "float32"
    ):
        return model
    for output in model.outputs:
        layer = output._keras_history.operation
        if not layer.weights:  # an Activation: recompute in float32; weighted layers keep their policy
            layer.dtype_policy = "float32"
    return model


class MultiWorkerMirroredStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """`reduce` takes what Keras' fit hands it, as MirroredStrategy's does: a structure (the first
    batch of tuple data) and scalar logs with axis=0 (averaged across the replicas as they are)."""

    def reduce(self, reduce_op, value, axis):
        def one(v):
            scalar = axis is not None and self.experimental_local_results(v)[0].shape.rank == 0
            return super(MultiWorkerMirroredStrategy, self).reduce(reduce_op, v, None if scalar else axis)

        return tf.nest.map_structure(one, value)


@functools.cache
def get_strategy(name):
    """The tf.distribute strategy `name` (created once per process, as TensorFlow requires)."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return MultiWorkerMirroredStrategy()
    raise UserError(f"unknown --strategy '{name}'; choose one of {', '.join(STRATEGIES)}")


@contextlib.contextmanager
def build_scope(devices):
    """Make a run's models, optimizers and GANs in here: the dtype policy and strategy of
    `devices` (the global dtype policy is put back afterwards)."""
    previous = keras.mixed_precision.dtype_policy()
    set_precision(devices.mixed_precision)
    try:
        with get_strategy(devices.strategy).scope():
            yield
    finally:
        keras.mixed_precision.set_dtype_policy(previous)


def compile_options(devices):
    """`Model.compile` arguments of a training step on `devices`."""
    return {"jit_compile": devices.jit_compile, "steps_per_execution": devices.steps_per_execution}


def check_strategy(devices, *, batch_size, balance):
    """The global batch must split evenly between the strategy's replicas; the balancing rule
    (one decision per step from the losses) runs on one replica only."""
    strategy = devices.strategy
    replicas = get_strategy(strategy).num_replicas_in_sync
    if balance and replicas > 1:
        raise UserError(
            f"the balancing rule (balance=true) needs one replica; --strategy {strategy} has {replicas}: "
            "use --strategy default"
        )
    if devices.steps_per_execution > 1 and replicas > 1:  # Keras' multi-step loop fails under several replicas
        raise UserError(
            f"--steps-per-execution {devices.steps_per_execution} needs one replica; --strategy {strategy} "
            f"has {replicas}: use --steps-per-execution 1"
        )
    if batch_size % replicas:
        raise UserError(
            f"--batch-size {batch_size} must be a multiple of the {replicas} replicas of the strategy: use "
            f"--batch-size {max(replicas, batch_size // replicas * replicas)}"
        )


def distribute_options(dataset, devices):
    """In-memory datasets have no files to shard: multi-worker runs shard by element."""
    if devices.strategy == "multiworker":
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        dataset = dataset.with_options(options)
    return dataset


def unscaled(loss):
    """A Keras loss as the global batch's mean: under a strategy Keras losses come divided by
    the replica count (so that summing the replicas' gradients gives the mean's gradient)."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss * replicas


def replica_share(n):
    """(how many inputs to draw, how to keep this replica's `n`): with several replicas every
    replica draws the global batch with the same seed and keeps its own slice."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return n, lambda values: values
    start = context.replica_id_in_sync_group * n
    return n * context.num_replicas_in_sync, lambda values: values[start : start + n]
