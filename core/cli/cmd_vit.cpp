// neuroai train vit | eval vit | export fashion-subset: the attention case study, natively.
//   train: a ViT on Fashion-MNIST (the Debian files) with a fixed seed; writes a weights file.
//          With --val N the last N training images are held out for model selection and the test
//          set is not read at all (tools/vit-select.mjs runs the grid this way).
//   eval:  the shipped weights on the held-out validation images and on the full 10,000-image
//          test set, plus training throughput.
//   export: the page's image subset (data/vit_data.h has the format).
#include <cstdio>
#include <fstream>
#include <iterator>

#include "commands.h"
#include "data/vit_data.h"
#include "eval/vit_baselines.h"
#include "fashion_mnist.h"
#include "models/vit_trainer.h"
#include "nn/weights.h"
#include "timing.h"
#include "util/json.h"

namespace cli {

namespace {

const char* kDefaultVitWeights = "assets/vit/vit-fashion.nrai";
const char* kDefaultSubset = "assets/vit/fashion-subset.bin";
const int kShippedValImages = 5000;  // the validation split the shipped settings were chosen on
const std::vector<int> kKnnCandidates = {1, 3, 5, 7, 9, 11, 15};  // the k-NN baseline's k, chosen on the same split

/// The model options shared by train (to build) and eval (to override nothing: read from weights).
models::VitConfig vit_model_options(Args& args) {
  models::VitConfig m;
  m.patch = args.get_int("patch", m.patch, 1, 28);
  m.dim = args.get_int("dim", m.dim, 1, 1024);
  m.depth = args.get_int("depth", m.depth, 1, 24);
  m.heads = args.get_int("heads", m.heads, 1, 64);
  m.mlp = args.get_int("mlp", m.mlp, 1, 8192);
  m.validate();
  return m;
}

data::FashionSubset load_subset(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  nn::require(static_cast<bool>(f), "--subset: cannot open '", path, "' (make it with neuroai export fashion-subset)");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  try {
    return data::decode_fashion_subset(bytes.data(), bytes.size());
  } catch (const nn::Error& e) {
    nn::fail("--subset: '", path, "': ", e.what());
  }
}

/// Training throughput of `model` (images per second) over `steps` steps after two warm-up steps.
double measure_train_rate(models::VitTrainer& model, int steps) {
  model.train(2);
  const auto t0 = Clock::now();
  model.train(steps);
  return static_cast<double>(steps) * model.config().batch / seconds_since(t0);
}

}  // namespace

int train_vit(Args& args) {
  models::VitTrainConfig c;
  const std::string dir = args.get_string("data", kFashionMnistDir);
  const std::string subset_path = args.get_string("subset", "");
  const int epochs = args.get_int("epochs", 30, 1, 1000);
  const int fixed_steps = args.get_int("steps", 0, 0, 10000000);
  const int train_images = args.get_int("train-images", 0, 0, 60000);
  const int val_images = args.get_int("val", 0, 0, 30000);
  c.model = vit_model_options(args);
  c.batch = args.get_int("batch", c.batch, 1, 1024);
  c.lr = static_cast<float>(args.get_double("lr", c.lr, 1e-6, 1.0));
  c.weight_decay = static_cast<float>(args.get_double("weight-decay", c.weight_decay, 0.0, 1.0));
  c.warmup = args.get_int("warmup", c.warmup, 0, 1000000);
  c.clip = static_cast<float>(args.get_double("clip", c.clip, 0.0, 1e6));
  c.shift = args.get_int("shift", c.shift, 0, 14);
  c.flip = args.get_int("flip", 1, 0, 1) == 1;
  c.seed = static_cast<uint64_t>(args.get_int("seed", 1, 0, 1 << 30));
  const std::string out_path = args.get_string("out", "");
  const bool json = args.flag("json");
  args.finish("train vit");

  // Fashion-MNIST from the Debian files, or the page's subset file (--subset: its training and
  // test images; the native twin of what the page trains on). A run with a validation split is a
  // model-selection run: it never reads the test images.
  data::LabeledImages all, test;
  if (subset_path.empty()) {
    all = load_fashion_mnist(dir, "train");
    if (val_images == 0) test = load_fashion_mnist(dir, "t10k");
  } else {
    data::FashionSubset s = load_subset(subset_path);
    all = std::move(s.train);
    if (val_images == 0) test = std::move(s.test);
  }
  const int used = train_images > 0 ? std::min(train_images, all.count) : all.count;
  nn::require(val_images < used, "--val: expected fewer than the ", used, " training images, got ", val_images);
  // The validation images (if any) are the last --val of the images used; they are never trained on.
  const data::LabeledImages val = data::slice(all, used - val_images, val_images);
  data::LabeledImages train = data::slice(all, 0, used - val_images);
  all = {};
  const int steps_per_epoch = fixed_steps > 0 ? fixed_steps : (train.count + c.batch - 1) / c.batch;
  const int n_epochs = fixed_steps > 0 ? 1 : epochs;
  c.decay_steps = std::max(1, n_epochs * steps_per_epoch - c.warmup);
  models::VitTrainer model(c);
  model.set_train_data(std::move(train));
  // Progress goes to stdout, or to stderr when stdout carries the JSON.
  FILE* progress = json ? stderr : stdout;
  std::fprintf(progress,
               "neuroai train vit: %s, %zu parameters, %d training images, %d validation images, "
               "%d epochs of %d steps (batch %d, lr %g)\n",
               c.model.to_text().c_str(), model.model().params().count(), model.train_data().count, val.count, n_epochs,
               steps_per_epoch, c.batch, static_cast<double>(c.lr));

  const auto t0 = Clock::now();
  std::vector<double> step_losses;  // with --steps: every step's loss (the wasm parity test reads them)
  if (fixed_steps > 0)
    for (int s = 0; s < fixed_steps; ++s) step_losses.push_back(model.train_step());
  struct EpochLog {
    double loss, val_accuracy, seconds;
  };
  std::vector<EpochLog> log;
  for (int e = 1; e <= (fixed_steps > 0 ? 0 : epochs); ++e) {
    const float loss = model.train(steps_per_epoch);
    const double val_acc = val.count > 0 ? model.evaluate(val).accuracy : -1.0;
    log.push_back({loss, val_acc, seconds_since(t0)});
    std::fprintf(progress, "epoch %3d  loss %.4f  lr %.2e", e, loss, model.learning_rate());
    if (val_acc >= 0) std::fprintf(progress, "  val accuracy %.4f", val_acc);
    std::fprintf(progress, "  (%.0f s)\n", seconds_since(t0));
    std::fflush(progress);
  }
  const double train_seconds = seconds_since(t0);
  const bool tested = test.count > 0;
  const models::VitEvaluation result = tested ? model.evaluate(test) : models::VitEvaluation{};
  const models::VitEvaluation validation = val.count > 0 ? model.evaluate(val) : models::VitEvaluation{};
  if (!out_path.empty()) {
    std::ofstream f(out_path, std::ios::binary);
    nn::require(static_cast<bool>(f), "--out: cannot open '", out_path, "' for writing");
    nn::write_weights(f, model.model().params(), "vit", c.model.to_text());
    nn::require(static_cast<bool>(f), "--out: writing '", out_path, "' failed");
  }
  const double rate = static_cast<double>(model.images_seen()) / train_seconds;
  if (json) {
    util::Json out;
    out.begin_object()
        .field("model", "vit")
        .field("config", c.model.to_text())
        .field("seed", static_cast<long long>(c.seed))
        .field("epochs", model.epochs())
        .field("steps", model.steps())
        .field("lr", static_cast<double>(c.lr))
        .field("train_images", model.train_data().count)
        .field("val_images", val.count);
    if (val.count > 0) out.field("val_accuracy", validation.accuracy).field("val_loss", validation.loss);
    out.field("test_images", result.images);
    if (tested) out.field("test_accuracy", result.accuracy).field("test_loss", result.loss);
    out.field("params", static_cast<long long>(model.model().params().count()))
        .field("train_images_per_s", rate)
        .field("seconds", train_seconds);
    if (fixed_steps > 0) out.field("losses", step_losses);
    out.key("log").begin_array();
    for (size_t e = 0; e < log.size(); ++e) {
      out.begin_object().field("epoch", static_cast<int>(e + 1)).field("loss", log[e].loss);
      if (log[e].val_accuracy >= 0) out.field("val_accuracy", log[e].val_accuracy);
      out.field("seconds", log[e].seconds).end_object();
    }
    out.end_array().end_object();
    std::printf("%s\n", out.str().c_str());
  } else {
    if (val.count > 0)
      std::printf("validation accuracy %.4f (loss %.4f) on %d held-out training images; test set not read\n",
                  validation.accuracy, validation.loss, validation.images);
    if (tested)
      std::printf("test accuracy %.4f (loss %.4f) on %d images\n", result.accuracy, result.loss, result.images);
    std::printf("%.0f training images/s; %.0f s\n", rate, train_seconds);
    if (!out_path.empty()) std::printf("weights written to %s\n", out_path.c_str());
  }
  return 0;
}

int eval_vit(Args& args) {
  const std::string weights = args.get_string("weights", kDefaultVitWeights);
  const std::string dir = args.get_string("data", kFashionMnistDir);
  const std::string subset_path = args.get_string("subset", "");
  const int test_images = args.get_int("test-images", 10000, 1, 10000);
  // The shipped recipe held out the last 5,000 of the 60,000 training images (tools/vit-select.mjs).
  const int val_images = args.get_int("val", subset_path.empty() ? kShippedValImages : 0, 0, 30000);
  const int bench_steps = args.get_int("bench-steps", 20, 0, 10000);
  const bool lesions = args.flag("lesions");
  const bool baseline = args.flag("baseline");
  const bool json = args.flag("json");
  args.finish("eval vit");

  std::ifstream f(weights, std::ios::binary);
  nn::require(static_cast<bool>(f), "--weights: cannot open '", weights, "' (make it with neuroai train vit --out)");
  const nn::WeightsFile file = nn::read_weights(f);
  nn::require(file.kind == "vit", "--weights: '", weights, "' holds a '", file.kind, "' model, expected 'vit'");
  models::VitTrainConfig c;
  c.model = models::VitConfig::from_text(file.config);
  models::VitTrainer model(c);
  nn::assign_weights(model.model().params(), file, "vit");

  // The full test set, or (--subset) the page's test images.
  const data::LabeledImages all_test =
      subset_path.empty() ? load_fashion_mnist(dir, "t10k") : load_subset(subset_path).test;
  const data::LabeledImages test = data::slice(all_test, 0, std::min(test_images, all_test.count));
  const auto t0 = Clock::now();
  const models::VitEvaluation result = model.evaluate(test);
  const double eval_rate = result.images / seconds_since(t0);
  const int K = c.model.classes, L = c.model.depth, H = c.model.heads;

  // Mean attention distance over the first 256 test images (pixels, per block and head).
  const int n_dist = std::min(256, test.count);
  std::vector<float> pixels(static_cast<size_t>(n_dist) * c.model.pixels()), distance(static_cast<size_t>(L) * H);
  std::vector<int> index(static_cast<size_t>(n_dist)), labels(static_cast<size_t>(n_dist));
  for (int i = 0; i < n_dist; ++i) index[static_cast<size_t>(i)] = i;
  data::fill_batch(test, index.data(), n_dist, {}, nullptr, pixels.data(), labels.data());
  model.model().mean_attention_distance(pixels.data(), n_dist, distance.data());

  // Each head lesioned alone: test accuracy without it.
  std::vector<double> lesion_accuracy;
  if (lesions)
    for (int h = 0; h < L * H; ++h) {
      std::vector<float> mask(static_cast<size_t>(L) * H, 1.0f);
      mask[static_cast<size_t>(h)] = 0.0f;
      lesion_accuracy.push_back(model.evaluate(test, -1, mask.data()).accuracy);
    }

  // The training images: the Debian files, or the subset's (for the baseline with --subset).
  data::LabeledImages train_set;
  if (baseline || bench_steps > 0 || val_images > 0)
    train_set = subset_path.empty() ? load_fashion_mnist(dir, "train") : load_subset(subset_path).train;
  nn::require(val_images < train_set.count || val_images == 0, "--val: expected fewer than the ", train_set.count,
              " training images, got ", val_images);
  // Validation: the last --val training images, the ones `train vit --val` held out.
  const models::VitEvaluation validation =
      val_images > 0 ? model.evaluate(data::slice(train_set, train_set.count - val_images, val_images))
                     : models::VitEvaluation{};
  // The baseline gets what the ViT got: the same training images (without the validation split),
  // and its one setting, k, chosen on the validation images.
  double knn_accuracy = -1;
  eval::KnnSelection knn;
  if (baseline) {
    const data::LabeledImages knn_train = data::slice(train_set, 0, train_set.count - val_images);
    if (val_images > 0) {
      const data::LabeledImages val = data::slice(train_set, train_set.count - val_images, val_images);
      knn = eval::knn_select_k(knn_train, val, kKnnCandidates, K);
    } else {
      knn.k = 5;  // no validation images (--val 0): the common default
    }
    knn_accuracy = eval::knn_classify(knn_train, test, knn.k, K).accuracy;
  }

  double train_rate = 0;
  if (bench_steps > 0) {
    models::VitTrainer bench(c);  // same architecture, batch and optimizer as the shipped run
    bench.set_train_data(data::slice(train_set, 0, std::min(4096, train_set.count)));
    train_rate = measure_train_rate(bench, bench_steps);
  }

  if (json) {
    util::Json out;
    out.begin_object()
        .field("model", "vit")
        .field("weights", weights)
        .field("config", file.config)
        .field("val_images", validation.images);
    if (val_images > 0) out.field("val_accuracy", validation.accuracy).field("val_loss", validation.loss);
    out.field("test_images", result.images)
        .field("test_accuracy", result.accuracy)
        .field("test_loss", result.loss)
        .field("params", static_cast<long long>(model.model().params().count()))
        .field("train_images_per_s", train_rate)
        .field("train_batch", c.batch)
        .field("eval_images_per_s", eval_rate)
        .field("per_class_accuracy", result.per_class_accuracy())
        .field("mean_attention_distance", std::vector<double>(distance.begin(), distance.end()));
    if (lesions) out.field("lesion_accuracy", lesion_accuracy);
    if (baseline) {
      out.field("knn_pixels_accuracy", knn_accuracy).field("knn_k", knn.k);
      if (!knn.val_accuracy.empty())
        out.field("knn_k_candidates", kKnnCandidates).field("knn_val_accuracy", knn.val_accuracy);
    }
    out.end_object();
    std::printf("%s\n", out.str().c_str());
  } else {
    std::printf("ViT %s, %zu parameters (%s)\n", file.config.c_str(), model.model().params().count(), weights.c_str());
    if (val_images > 0)
      std::printf("validation accuracy %.4f, loss %.4f on the last %d training images\n", validation.accuracy,
                  validation.loss, validation.images);
    std::printf("test accuracy %.4f, loss %.4f on %d images (%.0f images/s)\n", result.accuracy, result.loss,
                result.images, eval_rate);
    const auto per_class = result.per_class_accuracy();
    for (int k = 0; k < K; ++k)
      std::printf("  %-12s %.3f\n", data::kFashionClasses[k], per_class[static_cast<size_t>(k)]);
    std::printf("mean attention distance (pixels), block x head:\n");
    for (int l = 0; l < L; ++l) {
      std::printf("  block %d:", l);
      for (int h = 0; h < H; ++h) std::printf(" %5.2f", distance[static_cast<size_t>(l) * H + h]);
      std::printf("\n");
    }
    if (lesions) {
      std::printf("test accuracy with one head lesioned, block x head:\n");
      for (int l = 0; l < L; ++l) {
        std::printf("  block %d:", l);
        for (int h = 0; h < H; ++h) std::printf(" %.4f", lesion_accuracy[static_cast<size_t>(l) * H + h]);
        std::printf("\n");
      }
    }
    if (baseline)
      std::printf("baseline: %d nearest neighbours in pixel space (k chosen on the validation images), accuracy %.4f\n",
                  knn.k, knn_accuracy);
    if (bench_steps > 0) std::printf("training: %.0f images/s (batch %d, 1 thread)\n", train_rate, c.batch);
  }
  return 0;
}

int export_fashion_subset(Args& args) {
  const std::string dir = args.get_string("data", kFashionMnistDir);
  const int train_per_class = args.get_int("train-per-class", 500, 1, 6000);
  const int test_per_class = args.get_int("test-per-class", 100, 1, 1000);
  const std::string out_path = args.get_string("out", kDefaultSubset);
  const bool json = args.flag("json");
  args.finish("export fashion-subset");

  data::FashionSubset subset;
  subset.train = data::balanced_subset(load_fashion_mnist(dir, "train"), train_per_class, 10);
  subset.test = data::balanced_subset(load_fashion_mnist(dir, "t10k"), test_per_class, 10);
  const std::vector<uint8_t> bytes = data::encode_fashion_subset(subset);
  std::ofstream f(out_path, std::ios::binary);
  nn::require(static_cast<bool>(f), "--out: cannot open '", out_path, "' for writing");
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  nn::require(static_cast<bool>(f), "--out: writing '", out_path, "' failed");
  if (json) {
    util::Json out;
    out.begin_object()
        .field("out", out_path)
        .field("train_images", subset.train.count)
        .field("test_images", subset.test.count)
        .field("bytes", static_cast<long long>(bytes.size()))
        .end_object();
    std::printf("%s\n", out.str().c_str());
  } else {
    std::printf("wrote %s: %d training + %d test images (%zu bytes)\n", out_path.c_str(), subset.train.count,
                subset.test.count, bytes.size());
  }
  return 0;
}

}  // namespace cli
